/**
 * @module Errors in Ollama's shape, `{"error": "<message>"}` (wire-formats-2 §6.5): the proxy's
 * own, and Google's translated. The HTTP status carries the kind. Pure.
 */

export { errorMessageBody as ollamaErrorBody, fromGoogleErrorMessage as fromGoogleError } from '../shared/error-body.js';
