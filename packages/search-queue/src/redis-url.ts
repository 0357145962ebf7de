import { QueueOptionError } from './errors.js';

/** A checked Redis address. */
export interface RedisAddress {
  /** The URL as given, for ioredis. */
  readonly url: string;
  /** The URL without a password, for messages. */
  readonly display: string;
}

/**
 * Checks a `redis://host:port[/db]` (or `rediss://`) address, so a typo fails at once with a
 * line saying what is wrong instead of a connection that retries forever.
 */
export function parseRedisUrl(value: string): RedisAddress {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new QueueOptionError(`"${value}" is not a URL; expected redis://host:port[/db]`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw new QueueOptionError(
      `"${value}" is not a Redis URL (scheme ${url.protocol.replace(/:$/, '')}); expected redis://host:port[/db]`,
    );
  if (url.hostname === '')
    throw new QueueOptionError(`"${value}" names no host; expected redis://host:port[/db]`);
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db))
    throw new QueueOptionError(
      `"${value}": the database after the / must be a number, not "${db}"`,
    );
  const display = url.password ? value.replace(`:${url.password}@`, ':***@') : value;
  return { url: value, display };
}
