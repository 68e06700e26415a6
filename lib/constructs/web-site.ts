import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { FunctionUrl } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { builtPages } from '../../web/build.ts';
import { contentSecurityPolicy } from '../../web/headers.ts';

export interface WebSiteProps {
  /** prod keeps the bucket and its files when the stack goes; dev removes them. */
  stage: 'prod' | 'dev';
  /** Retention of the deployment handler's log group, as for the functions. */
  logRetention: RetentionDays;
}

/** `/console/` → `/console/index.html` (S3 has no directory index behind an origin access control). */
const DIRECTORY_INDEX = `function handler(event) {
  var request = event.request;
  if (request.uri.endsWith('/')) request.uri += 'index.html';
  else if (request.uri === '/console') request.uri = '/console/index.html';
  return request;
}`;

/**
 * The affiliate dashboard (`/`) and the admin console (`/console/`): the built pages in a private S3 bucket, read
 * only by CloudFront through an origin access control, served over HTTPS only with a strict Content-Security-Policy
 * and the usual security headers. `deploy()` uploads the pages with a `config.json` naming the Function URLs.
 * @example
 * const site = new WebSite(this, 'Site', { stage });
 * env.CORS_ALLOWED_ORIGINS = site.withOrigin(options.corsAllowedOrigins);
 * site.deploy(payouts.url, admin.url);
 */
export class WebSite extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  /** `https://<id>.cloudfront.net`, the pages' origin. */
  readonly origin: string;
  private readonly props: WebSiteProps;

  constructor(scope: Construct, id: string, props: WebSiteProps) {
    super(scope, id);
    this.props = props;
    const prod = props.stage === 'prod';
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    const headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment:
        "Payout pages: strict CSP (API calls only to this region's Function URLs), HSTS, no framing, no referrer",
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: contentSecurityPolicy([`https://*.lambda-url.${Aws.REGION}.on.aws`]),
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          preload: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        xssProtection: { protection: true, modeBlock: true, override: true },
      },
      customHeadersBehavior: {
        customHeaders: [
          { header: 'Cross-Origin-Opener-Policy', value: 'same-origin', override: true },
          {
            header: 'Permissions-Policy',
            value: 'camera=(), microphone=(), geolocation=(), payment=()',
            override: true,
          },
        ],
      },
    });

    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Affiliate payouts: dashboard and admin console',
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        functionAssociations: [
          {
            eventType: FunctionEventType.VIEWER_REQUEST,
            function: new CloudFrontFunction(this, 'DirectoryIndex', {
              code: FunctionCode.fromInline(DIRECTORY_INDEX),
              runtime: FunctionRuntime.JS_2_0,
              comment: 'Serves index.html for /console/',
            }),
          },
        ],
      },
    });
    this.origin = `https://${this.distribution.distributionDomainName}`;
    new CfnOutput(this, 'Url', {
      key: 'SiteUrl',
      value: `${this.origin}/`,
      description: 'The affiliate dashboard; the admin console is at /console/',
    });
    this.acknowledgeFindings();
  }

  /** A CORS allow-list (comma-separated) with the pages' origin added. */
  withOrigin(allowedOrigins: string): string {
    return `${allowedOrigins},${this.origin}`;
  }

  /** Uploads the built pages and a config.json holding the Function URLs (resolved at deploy time) and whether e-mails go out. */
  deploy(payoutsUrl: FunctionUrl, adminUrl: FunctionUrl, { emails }: { emails: boolean }): BucketDeployment {
    const deployment = new BucketDeployment(this, 'Deploy', {
      destinationBucket: this.bucket,
      sources: [
        Source.asset(builtPages().outdir),
        Source.jsonData('config.json', { payoutsUrl: payoutsUrl.url, adminUrl: adminUrl.url, emails }),
      ],
      // Small files revalidated by ETag: a deploy is visible at once, no invalidation needed.
      cacheControl: [CacheControl.noCache()],
      retainOnDelete: this.props.stage === 'prod',
      memoryLimit: 256,
      logGroup: new LogGroup(this, 'DeployLogs', {
        retention: this.props.logRetention,
        removalPolicy: this.props.stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      }),
    });
    // The copying function is a singleton CDK keeps at the stack's root, not under this construct.
    const handler = Stack.of(this).node.children.find((child) =>
      child.node.id.startsWith('Custom::CDKBucketDeployment'),
    );
    const bucketId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnElement);
    const findings: Array<[string, string]> = [
      ['AwsSolutions-L1', DEPLOYMENT_REASONS.runtime],
      [
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        DEPLOYMENT_REASONS.logs,
      ],
      ...[
        'Action::s3:GetBucket*',
        'Action::s3:GetObject*',
        'Action::s3:List*',
        'Action::s3:Abort*',
        'Action::s3:DeleteObject*',
        'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
        `Resource::<${bucketId}.Arn>/*`,
      ].map((evidence): [string, string] => [`AwsSolutions-IAM5[${evidence}]`, DEPLOYMENT_REASONS.copy]),
    ];
    for (const [id, reason] of findings) {
      if (handler) Validations.of(handler).acknowledge({ id: `AwsSolutions::${id}`, reason });
    }
    return deployment;
  }

  private acknowledgeFindings(): void {
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason:
        'The bucket holds only the public, static page files that the deployment writes; CloudFront is its only reader (origin access control), so access logs would record nothing but CloudFront itself.',
    });
    for (const [id, reason] of Object.entries(DISTRIBUTION_FINDINGS)) {
      Validations.of(this.distribution).acknowledge({ id: `AwsSolutions::${id}`, reason });
    }
  }
}

const DISTRIBUTION_FINDINGS: Record<string, string> = {
  'AwsSolutions-CFR1':
    'Affiliates are paid worldwide and the pages are static files with no data in them; every API call is still authenticated by a JWT, so a geo restriction would only lock out affiliates.',
  'AwsSolutions-CFR2':
    'The distribution serves static files only (GET/HEAD, no origin logic); the API is on the Function URLs, which check every token in code. A WAF web ACL is an account-level choice (and cost) left to the operator.',
  'AwsSolutions-CFR3':
    'Static page files with no user data; the requests that matter (the API calls) are logged by the functions themselves, with request ids. Standard logs need a log bucket with ACLs, left to the operator.',
  'AwsSolutions-CFR4':
    'The default *.cloudfront.net certificate cannot set a minimum TLS version; viewers are HTTPS only, and a custom domain with its own certificate (TLSv1.2_2021) is the way to raise the floor.',
};

const DEPLOYMENT_REASONS = {
  logs: "CDK's BucketDeployment handler uses the AWSLambdaBasicExecutionRole managed policy for its own logs; it runs only during a deploy and is not configurable.",
  copy: "CDK's BucketDeployment handler needs object-level wildcards (read the CDK asset, write and prune the site bucket) to copy the pages; the resources are those two buckets only.",
  runtime:
    "CDK's BucketDeployment handler runtime is chosen by aws-cdk-lib and upgraded with it; it runs only during a deploy, never on a request.",
};
