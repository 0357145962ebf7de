export {
  DEVICES,
  type Device,
  type ModelBundleSource,
  type OpenRuntimeOptions,
  openRuntime,
  type Runtime,
  RuntimeOptionError,
} from './open-runtime.js';
