export { crossCheckProfile } from './cross-check.js';
export { PROFILE_JSON_SCHEMA_ID, profileJsonSchema } from './json-schema.js';
export {
  type MigrateOptions,
  migrateProfile,
  type ProfileMigration,
  profileMigrations,
} from './migrate.js';
export { MODEL_FINGERPRINT_PATTERN, modelFingerprintSchema } from './model-fingerprint.js';
export {
  type ParseProfileOptions,
  type ProfileParseResult,
  parseProfile,
  safeParseProfile,
} from './parse-profile.js';
export { formatJsonPath, ProfileError, type ProfileIssue } from './profile-error.js';
export {
  type EarlyExitSettings,
  earlyExitSchema,
  type ModelIdentity,
  modelIdentitySchema,
  PROFILE_SCHEMA_VERSION,
  type Profile,
  type ProfileProvenance,
  profileSchema,
  provenanceSchema,
  type RuntimePolicy,
  runtimePolicySchema,
  type SearchEvaluation,
  type StageSettings,
  stageNameSchema,
  stageSettingsSchema,
  subLayerIdSchema,
  type TaskIdentity,
  taskIdentitySchema,
} from './schema.js';
export { serializeProfile } from './serialize-profile.js';
export {
  allSubLayerIds,
  formatSubLayerId,
  parseSubLayerId,
  SUB_LAYER_ID_PATTERN,
  SUB_LAYER_KINDS,
  type SubLayer,
  type SubLayerFlags,
  type SubLayerId,
  SubLayerIdError,
  type SubLayerKind,
  subLayerFlags,
} from './sub-layer-id.js';
