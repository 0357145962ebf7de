import { expect, it } from 'vitest';

it('exports exactly the public API', async () => {
  const api = await import('./index.js');
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "MODEL_FINGERPRINT_PATTERN",
      "PROFILE_JSON_SCHEMA_ID",
      "PROFILE_SCHEMA_VERSION",
      "ProfileError",
      "SUB_LAYER_ID_PATTERN",
      "SUB_LAYER_KINDS",
      "SubLayerIdError",
      "allSubLayerIds",
      "crossCheckProfile",
      "earlyExitSchema",
      "formatJsonPath",
      "formatSubLayerId",
      "migrateProfile",
      "modelFingerprintSchema",
      "modelIdentitySchema",
      "parseProfile",
      "parseSubLayerId",
      "profileJsonSchema",
      "profileMigrations",
      "profileSchema",
      "provenanceSchema",
      "runtimePolicySchema",
      "safeParseProfile",
      "serializeProfile",
      "stageNameSchema",
      "stageSettingsSchema",
      "subLayerFlags",
      "subLayerIdSchema",
      "taskIdentitySchema",
    ]
  `);
});
