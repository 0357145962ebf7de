import { registerBackend } from '@litestage/core';
import { nodeBackend } from './node-backend.js';

registerBackend('node', nodeBackend, 100);

export {
  NODE_EXECUTION_PROVIDERS,
  type NodeExecutionProvider,
  nodeBackend,
  nodeRuntimeVersions,
} from './node-backend.js';
