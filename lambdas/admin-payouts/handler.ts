// Placeholder until the router lands; replaced in the next commits.
export const handler = async () => ({ statusCode: 404, body: '{"success":false}' });
