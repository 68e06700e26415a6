import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { MailRefusedError } from '../../shared/domain/notifications.ts';
import { createSesMailer } from '../../shared/notify/mailer.ts';

/** The SES adapter keeps the Mailer port's terms: only an error answer from SES is a certain refusal. */
describe('SES mailer: what counts as "certainly not sent"', () => {
  const ses = mockClient(SESv2Client);
  afterEach(() => ses.reset());
  const email = { subject: 'S', text: 'T', html: '<p>T</p>', from: 'payouts@example.com', to: 'a@example.com' };

  it('an error answer (throttling, 429) is a MailRefusedError: the notifier releases the record and the stream retries', async () => {
    ses.on(SendEmailCommand).rejects(
      Object.assign(new Error('Maximum sending rate exceeded'), {
        name: 'TooManyRequestsException',
        $metadata: { httpStatusCode: 429 },
      }),
    );
    await expect(createSesMailer({ region: 'us-east-1' }).send(email)).rejects.toBeInstanceOf(MailRefusedError);
  });

  it('a lost connection or a time-out is not: SES may have sent it, so it is never resent', async () => {
    ses.on(SendEmailCommand).rejects(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    const failure = await createSesMailer({ region: 'us-east-1' })
      .send(email)
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(MailRefusedError);
  });

  it('a sent message answers its id, with both parts and the sender', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    expect(await createSesMailer({ region: 'us-east-1' }).send(email)).toEqual({ messageId: 'm-1' });
    const input = ses.commandCalls(SendEmailCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      FromEmailAddress: 'payouts@example.com',
      Destination: { ToAddresses: ['a@example.com'] },
    });
    expect(input.Content?.Simple?.Body).toMatchObject({ Text: { Data: 'T' }, Html: { Data: '<p>T</p>' } });
  });
});
