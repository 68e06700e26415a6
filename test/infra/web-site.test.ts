import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synth, type Statement, type Synthesized } from './helpers.ts';

/** The pages' hosting (lib/constructs/web-site.ts): private bucket, CloudFront with OAC, strict headers, config.json. */
describe('Stack: the web site', () => {
  let s: Synthesized;
  // biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties of any resource type, read by path in the assertions.
  let resources: Record<string, { Type: string; Properties: Record<string, any>; DeletionPolicy?: string }>;
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };
  const ofType = (type: string): Resource[] => Object.values(resources).filter((resource) => resource.Type === type);
  /** The one resource of a type (fails when there are none or several). */
  const one = (type: string): Resource => {
    const found = ofType(type);
    expect(found, type).toHaveLength(1);
    return found[0]!;
  };

  beforeAll(() => {
    s = synth();
    resources = s.template.toJSON().Resources;
  });
  afterAll(() => s.cleanup());

  it('keeps the files in a private, encrypted, TLS-only bucket that only this distribution may read', () => {
    const bucketId = s.id(s.stack.site.bucket);
    expect(resources[bucketId]!.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    expect(resources[bucketId]!.DeletionPolicy).toBe('Retain');
    expect(resources[bucketId]!.Properties).not.toHaveProperty('WebsiteConfiguration');
    const statements = one('AWS::S3::BucketPolicy').Properties.PolicyDocument.Statement as Statement[];
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    const allows = statements.filter((statement) => statement.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    expect(allows[0]).toMatchObject({
      Action: 's3:GetObject',
      Principal: { Service: 'cloudfront.amazonaws.com' },
      Condition: { StringEquals: { 'AWS:SourceArn': expect.anything() } },
    });
  });

  it('serves through CloudFront with an origin access control, HTTPS only, index.html for / and /console/', () => {
    expect(
      ofType('AWS::CloudFront::OriginAccessControl').map((oac) => oac.Properties.OriginAccessControlConfig),
    ).toEqual([
      expect.objectContaining({
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      }),
    ]);
    const config = resources[s.id(s.stack.site.distribution)]!.Properties.DistributionConfig;
    expect(config).toMatchObject({ DefaultRootObject: 'index.html', Enabled: true });
    expect(config.DefaultCacheBehavior).toMatchObject({
      ViewerProtocolPolicy: 'https-only',
      AllowedMethods: ['GET', 'HEAD'],
    });
    expect(config.Origins[0].S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
    expect(one('AWS::CloudFront::Function').Properties.FunctionCode).toContain("request.uri += 'index.html'");
  });

  it('adds a strict Content-Security-Policy and the security headers to every answer', () => {
    const security = one('AWS::CloudFront::ResponseHeadersPolicy').Properties.ResponseHeadersPolicyConfig
      .SecurityHeadersConfig;
    const csp = JSON.stringify(security.ContentSecurityPolicy.ContentSecurityPolicy);
    for (const directive of [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ]) {
      expect(csp).toContain(directive);
    }
    expect(csp).toContain("connect-src 'self' https://*.lambda-url.");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(security).toMatchObject({
      StrictTransportSecurity: { AccessControlMaxAgeSec: 63_072_000, IncludeSubdomains: true, Override: true },
      ContentTypeOptions: { Override: true },
      FrameOptions: { FrameOption: 'DENY', Override: true },
      ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
    });
  });

  it('deploys the built pages and a config.json holding both Function URLs', () => {
    const deployment = one('Custom::CDKBucketDeployment');
    const text = JSON.stringify(deployment.Properties);
    expect(deployment.Properties.SourceObjectKeys).toHaveLength(2);
    expect(text).toContain(JSON.stringify({ 'Fn::GetAtt': [s.id(s.stack.payouts.url), 'FunctionUrl'] }));
    expect(text).toContain(JSON.stringify({ 'Fn::GetAtt': [s.id(s.stack.admin.url), 'FunctionUrl'] }));
    expect(deployment.Properties.DestinationBucketName).toEqual({ Ref: s.id(s.stack.site.bucket) });
    // The page asset, staged into the cloud assembly: both pages and their bundles.
    const staged = readdirSync(s.outdir).filter(
      (name) => name.startsWith('asset.') && existsSync(join(s.outdir, name, 'console/index.html')),
    );
    expect(staged).toHaveLength(1);
    for (const file of ['index.html', 'assets/dashboard.js', 'assets/console.js', 'assets/styles.css']) {
      expect(existsSync(join(s.outdir, staged[0]!, file)), file).toBe(true);
    }
  });

  it('tells the pages in config.json whether e-mails go out (only where the notifier is deployed: context mailFrom)', () => {
    const configOf = (synthesized: Synthesized) => {
      const staged = readdirSync(synthesized.outdir).filter((name) =>
        existsSync(join(synthesized.outdir, name, 'config.json')),
      );
      expect(staged).toHaveLength(1);
      return JSON.parse(readFileSync(join(synthesized.outdir, staged[0]!, 'config.json'), 'utf8'));
    };
    expect(configOf(s)).toMatchObject({ emails: false });
    const withMail = synth({ mailFrom: 'payouts@example.com' });
    try {
      expect(configOf(withMail)).toMatchObject({ emails: true });
    } finally {
      withMail.cleanup();
    }
  });

  it('outputs the site URL', () => {
    expect(s.template.toJSON().Outputs.SiteUrl.Value).toEqual({
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [s.id(s.stack.site.distribution), 'DomainName'] }, '/']],
    });
  });
});
