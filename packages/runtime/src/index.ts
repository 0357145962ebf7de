export { type DeviceReport, type DeviceStatus, diagnoseDevices } from './device-report.js';
export {
  AUTO_DEVICE_ORDER,
  DEVICES,
  type Device,
  type DeviceChoice,
  describeDeviceChoice,
  type ModelBundleSource,
  type OpenRuntimeOptions,
  openRuntime,
  type RunDevice,
  type Runtime,
  RuntimeOptionError,
} from './open-runtime.js';
