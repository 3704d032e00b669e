// Human messages for the error codes of the public API (project-svc, port 8081).
//
// Every error body is JSON {"code", "field", "message"} (io.deeploy.project.rest.ApiError). The codes come from:
// - project-svc: ApiExceptionMappers (MALFORMED_BODY, CONFLICT, NOT_FOUND, METHOD_NOT_ALLOWED, NOT_ACCEPTABLE,
//   UNSUPPORTED_MEDIA_TYPE, BAD_REQUEST, INTERNAL_ERROR and the unique-constraint codes), ApiException
//   (invalid(...) is INVALID_FIELD), ApiRequests, InternalToken, JobResource, Authenticator, ProjectAccess,
//   ProjectService, ApiTokenService, IdempotentCommands, JobService, JobLifecycle, JobSpecValidator, FundingRules,
//   JobWebhookService, ForgePush, NodeRegistryService, JobLogService, JobSecretService, and the clients
//   EscrowClient (ESCROW_UNAVAILABLE) and SchedulerClient (SCHEDULER_UNAVAILABLE) via ServiceHttp.
// - escrow-svc, whose 4xx refusals EscrowClient/ServiceHttp pass on: EscrowResource (/api/jobs/{id}/payment,
//   /extension, /node-purchase and /api/estimate), its ApiException (INVALID_FIELD) and ApiExceptionMappers.

export const ERROR_MESSAGES = Object.freeze({
  // Request format and routing
  MALFORMED_BODY: "The request body is missing or is not valid JSON for this action: fix it and send it again.",
  INVALID_FIELD: "A value in the request is not valid: correct it and try again.",
  FIELD_NOT_EDITABLE: "This field cannot be changed by editing the job: leave it out (extend the job to change its duration).",
  BAD_REQUEST: "The request is not valid: check it and try again.",
  NOT_FOUND: "Nothing exists at this address: check the URL or the id.",
  METHOD_NOT_ALLOWED: "This action is not available for this address: check the HTTP method.",
  NOT_ACCEPTABLE: "The server cannot answer in the format asked for: accept JSON (or an event stream for live logs).",
  UNSUPPORTED_MEDIA_TYPE: "The request body has a format the server does not accept: send JSON.",
  CONFLICT: "The request conflicts with the current state: reload and try again.",
  INTERNAL_ERROR: "Something went wrong on the server: try again later.",

  // Authentication
  AUTH_REQUIRED: "You are not signed in: sign the request with your wallet or use an API token.",
  AUTH_AMBIGUOUS: "The request carries both an API token and a wallet signature: send only one of them.",
  SENDER_MALFORMED: "The sender address of the signed request is not a valid wallet address: check your wallet connection.",
  NONCE_MALFORMED: "The signed request's nonce is not valid: sign the request again.",
  NONCE_EXPIRED: "The signed request is too old: sign it again.",
  NONCE_IN_FUTURE: "The signed request is dated in the future: check your computer's clock, then sign again.",
  NONCE_REPLAYED: "This signed request was already used: sign a new one.",
  SIGNATURE_MALFORMED: "The request signature is not readable: sign the request again.",
  SIGNATURE_INVALID: "The signature does not match the sender or the request: sign it again with the right wallet.",
  TOKEN_INVALID: "The API token is malformed, unknown or revoked: use a valid token.",
  INTERNAL_UNAUTHORIZED: "This endpoint is for the platform's own services only.",

  // Permissions
  PERMISSION_DENIED: "You lack the permission this action needs on this project: ask its owner to grant it.",
  OWNER_ONLY: "Only the project's owner may do this.",
  TOKEN_SCOPE: "An API token cannot do this: sign the request with the owner's wallet.",
  SESSION_INVALID: "Your sign-in session has ended or expired: connect your wallet to sign in again.",
  SESSION_SCOPE: "A sign-in session cannot do this: only a request signed by the wallet itself can.",
  NOT_A_DELEGATE: "You are not a delegate of this owner: ask the owner to add you.",
  NOT_ADMIN: "Only the platform's admins may change a node's status.",

  // Idempotency
  IDEMPOTENCY_KEY_REQUIRED: "This action needs an Idempotency-Key header (8-200 characters, e.g. a UUID): add one and retry.",
  IDEMPOTENCY_KEY_INVALID: "The Idempotency-Key must be 8-200 letters, digits or . _ : -: use a valid key.",
  IDEMPOTENCY_KEY_REUSED: "This Idempotency-Key was already used for a different request: use a new key.",
  IDEMPOTENCY_KEY_IN_USE: "A request with this Idempotency-Key is still being processed: wait a moment and retry.",

  // Projects and API tokens
  PROJECT_NOT_FOUND: "This project does not exist or you cannot see it.",
  PROJECT_NAME_TAKEN: "You already have a project with this name: choose another name.",
  PROJECT_HAS_LIVE_JOBS: "This project still has running jobs: stop them before deleting it.",
  TOKEN_NOT_FOUND: "This API token does not exist or is already revoked.",
  TOO_MANY_TOKENS: "This project has the maximum number of API tokens: revoke one first.",

  // Jobs
  JOB_NOT_FOUND: "This job does not exist or you cannot see it.",
  ALIAS_TAKEN: "Another running job already uses this alias: choose another alias.",
  JOB_STOPPED: "This job is stopped or stopping and can no longer be changed.",
  JOB_NOT_FUNDED: "This job has no confirmed payment yet: pay for it first, then try again.",
  JOB_TYPE_TOO_SMALL: "The job type you pay for gives each node less than this job asks for: choose a larger job type or smaller resources.",
  NODES_UNCHANGED: "The job already runs on these nodes: choose a different node count or nodes.",
  NOT_PAUSED: "This job already follows its branch: there is nothing to resume.",
  REVISION_NOT_FOUND: "This job has no such revision: pick one from its history.",
  COMMIT_NOT_SERVED: "This job never ran that commit: pick one from its list of versions.",

  // Webhooks
  WEBHOOK_NOT_FOUND: "This job has no webhook (or the webhook no longer exists): create one first.",
  WEBHOOK_SIGNATURE_INVALID: "The push is not a signed GitHub, GitLab or Gitea delivery for this webhook: check the webhook secret.",

  // Nodes
  NODE_NOT_FOUND: "This node does not exist or is not yours.",
  NODE_ID_TAKEN: "Another operator already registered this node id: choose another id.",
  NODE_KEY_TAKEN: "This public key already belongs to another node: give each node its own key.",
  NODE_BLACKLISTED: "This node is blacklisted and its registration cannot be changed.",

  // Payments (escrow-svc)
  CHAIN_UNAVAILABLE: "The chain cannot be reached now: try again in a moment.",
  ESCROW_UNAVAILABLE: "The payment service cannot be reached right now: try again later.",
  SCHEDULER_UNAVAILABLE: "The node list cannot be fetched right now: try again later.",
  UNKNOWN_JOB_TYPE: "There is no such job type: choose one from the list of job types.",
  NO_JOB_TYPE_FITS: "No job type offers this much CPU or memory per node: ask for smaller resources.",
  JOB_CLOSED: "This job's payment is closed or closing, so it can no longer be extended or changed.",
  JOB_EXPIRED: "This job's paid time is over, so it can no longer be extended or changed.",
  NODES_ALREADY_PAID: "This job already pays for that many nodes: ask for more nodes than it has.",
  NO_EPOCHS_LEFT: "This job is in its last paid period: extend it before adding nodes.",
});

export const KNOWN_CODES = Object.keys(ERROR_MESSAGES);

const STATUS_MESSAGES = [
  [401, "You are not signed in, or your sign-in is no longer valid: sign in and try again."],
  [403, "You are not allowed to do this."],
  [404, "What you asked for was not found."],
  [409, "The request conflicts with the current state: reload and try again."],
  [503, "The service is unavailable right now: try again later."],
];

function text(value) {
  return typeof value === "string" ? value.trim() : "";
}

function sentence(value) {
  return /[.!?]$/.test(value) ? value : value + ".";
}

function normalized(value) {
  return value.toLowerCase().replace(/[^a-z0-9]+/g, " ").trim();
}

/** Whether the server's message says more than the catalog's sentence. */
function addsDetail(message, known) {
  if (!message) {
    return false;
  }
  const said = normalized(message);
  return said !== "" && said !== "internal error" && !normalized(known).includes(said);
}

function byStatus(status) {
  const code = Number(status);
  if (!Number.isInteger(code)) {
    return "";
  }
  const known = STATUS_MESSAGES.find(([s]) => s === code);
  if (known) {
    return known[1];
  }
  return code >= 500 && code < 600 ? "Something went wrong on the server: try again later." : "";
}

/**
 * A human sentence for an API error body ({code, field, message}, possibly null or without a code) and, optionally,
 * the HTTP status it came with.
 */
export function messageFor(error, status) {
  const body = error && typeof error === "object" ? error : {};
  const code = text(body.code);
  const field = text(body.field);
  const message = text(body.message);
  const where = field ? ` (${field})` : "";

  if (code && Object.prototype.hasOwnProperty.call(ERROR_MESSAGES, code)) {
    const known = ERROR_MESSAGES[code];
    return known + where + (addsDetail(message, known) ? ` Details: ${sentence(message)}` : "");
  }
  if (message) {
    return sentence(message) + where;
  }
  return byStatus(status) || "The request failed.";
}
