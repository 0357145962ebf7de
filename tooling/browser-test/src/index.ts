export {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  type LaunchChromiumOptions,
  launchChromium,
} from './chromium.js';
export { onnxruntimeWebDist } from './onnxruntime-web-files.js';
export {
  ISOLATION_HEADERS,
  type StaticServer,
  type StaticServerOptions,
  serveStatic,
} from './static-server.js';
