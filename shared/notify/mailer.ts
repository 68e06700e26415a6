/**
 * Sending e-mail through Amazon SES v2 (SendEmail, simple content: a text and an HTML part). With SES_ENDPOINT
 * (aws-ses-v2-local for npm start and the tests) the client talks to that endpoint with dummy credentials, so no
 * AWS credentials are needed; in AWS it uses SES and the function's role (allowed to send as MAIL_FROM only).
 */
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { type Mailer, MailRefusedError } from '../domain/notifications.ts';

export type { Mailer, OutgoingEmail } from '../domain/notifications.ts';

/**
 * Whether SES certainly did not take the message: it answered with an error (a 4xx/5xx with a body). A time-out or
 * a lost connection is not certain: SES may have sent it.
 */
export function definitelyNotSent(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return typeof status === 'number' && status >= 400;
}

export function createSesMailer(options: { region: string; endpoint?: string }): Mailer {
  const client = new SESv2Client({
    region: options.region,
    // No SDK retry: a retry after a time-out could send the e-mail twice. A definite refusal (throttling)
    // releases the record instead and the stream retries it.
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000 },
    ...(options.endpoint
      ? { endpoint: options.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
  });
  return {
    async send(email) {
      const answer = await client
        .send(
          new SendEmailCommand({
            FromEmailAddress: email.from,
            Destination: { ToAddresses: [email.to] },
            Content: {
              Simple: {
                Subject: { Data: email.subject, Charset: 'UTF-8' },
                Body: { Text: { Data: email.text, Charset: 'UTF-8' }, Html: { Data: email.html, Charset: 'UTF-8' } },
              },
            },
          }),
        )
        .catch((error: unknown) => {
          // The port's terms: a definite refusal is MailRefusedError; anything else may have been sent.
          if (definitelyNotSent(error)) throw new MailRefusedError((error as Error).message, { cause: error });
          throw error;
        });
      return { messageId: answer.MessageId ?? '' };
    },
  };
}
