/**
 * The MCP SDK's runtime shims (`@modelcontextprotocol/server/_shims`, which the SDK picks by export
 * condition), as this server's bundle has them: scripts/build.mjs points the SDK's imports here.
 *
 * The SDK's Node shims make ajv the validator of the JSON Schemas it is handed (a form
 * elicitation's answer, a schema given as JSON Schema rather than zod): ajv's 290 KB of code ran
 * at every start, about a tenth of the time to the first tools/list, though this server hands the
 * SDK no such schema (its tools' schemas are zod, its one elicitation is a URL). The SDK's other
 * validator stands in, the one it ships for Cloudflare Workers, a seventh of the size; should a
 * JSON Schema ever come to be validated, it still is.
 */
export { default as process } from 'node:process';
export { CfWorkerJsonSchemaValidator as DefaultJsonSchemaValidator } from '@modelcontextprotocol/server/validators/cf-worker';
