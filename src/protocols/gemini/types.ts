/**
 * @module The parts of Gemini's REST types the translators read and write
 * (shared/reference/wire-formats.md §1.6–1.9). Fields the proxy does not touch pass through as
 * they are; everything a response may omit (proto3 drops defaults) is optional.
 */

export interface InlineData {
  mimeType: string;
  data: string;
}

export interface FunctionCall {
  name: string;
  args?: Record<string, unknown>;
  id?: string;
}

export interface FunctionResponse {
  name: string;
  response: Record<string, unknown>;
  id?: string;
}

export interface Part {
  text?: string;
  /** A thought summary (only when thoughts were asked for). */
  thought?: boolean;
  /** Gemini 3 signs function calls (and some text parts); the signature must come back. */
  thoughtSignature?: string;
  inlineData?: InlineData;
  fileData?: { mimeType?: string; fileUri: string };
  functionCall?: FunctionCall;
  functionResponse?: FunctionResponse;
}

export interface Content {
  role?: 'user' | 'model';
  parts?: Part[];
}

export interface FunctionDeclaration {
  name: string;
  description?: string;
  parametersJsonSchema?: unknown;
}

export interface Tool {
  functionDeclarations?: FunctionDeclaration[];
  /** Grounding with Google Search (Anthropic's and OpenAI's web search tools map to it). */
  googleSearch?: Record<string, never>;
}

export interface ToolConfig {
  functionCallingConfig: { mode: 'AUTO' | 'ANY' | 'NONE'; allowedFunctionNames?: string[] };
}

export interface ThinkingConfig {
  thinkingBudget?: number;
  thinkingLevel?: 'MINIMAL' | 'LOW' | 'MEDIUM' | 'HIGH';
  includeThoughts?: boolean;
}

export interface GenerationConfig {
  temperature?: number;
  topP?: number;
  topK?: number;
  maxOutputTokens?: number;
  stopSequences?: string[];
  candidateCount?: number;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  responseMimeType?: string;
  responseJsonSchema?: unknown;
  responseLogprobs?: boolean;
  logprobs?: number;
  thinkingConfig?: ThinkingConfig;
}

export interface GenerateContentRequest {
  contents: Content[];
  systemInstruction?: Content;
  tools?: Tool[];
  toolConfig?: ToolConfig;
  safetySettings?: unknown[];
  generationConfig?: GenerationConfig;
  cachedContent?: string;
}

export interface Candidate {
  content?: Content;
  finishReason?: string;
  index?: number;
}

export interface UsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  thoughtsTokenCount?: number;
  toolUsePromptTokenCount?: number;
  cachedContentTokenCount?: number;
  totalTokenCount?: number;
}

export interface GenerateContentResponse {
  candidates?: Candidate[];
  promptFeedback?: { blockReason?: string };
  usageMetadata?: UsageMetadata;
  modelVersion?: string;
  responseId?: string;
}

export interface EmbedContentRequest {
  model: string;
  content: Content;
  taskType?: string;
  outputDimensionality?: number;
}

export interface BatchEmbedContentsResponse {
  embeddings?: { values?: number[] }[];
}

export interface Model {
  name: string;
  displayName?: string;
  description?: string;
  inputTokenLimit?: number;
  outputTokenLimit?: number;
  supportedGenerationMethods?: string[];
  /** Whether the model thinks (Gemini's Model resource says so). */
  thinking?: boolean;
}

export interface ListModelsResponse {
  models?: Model[];
  nextPageToken?: string;
}
