export { type LocalBundle, openBundle } from './open-bundle.js';
