// Finding the store for a location, with a typed error when none serves it. No Node built-ins (browser-safe).
import { BundleError } from '../errors.js';
import { findStore, type Store, schemeOf } from './types.js';

/** The store serving `location`; a BundleError UNSUPPORTED naming the scheme when none is registered. */
export function resolveStore(location: string): Store {
  const store = findStore(location);
  if (!store) {
    throw new BundleError('UNSUPPORTED', `no store serves ${schemeOf(location)}:// locations`, { path: location });
  }
  return store;
}

/** `dir` + `/` + `name` for URLs and POSIX paths alike (a location's parent is its text up to the last `/`). */
export function joinLocation(dir: string, name: string): string {
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

/** The directory-like part of a location (`s3://b/run/model.ckpt` -> `s3://b/run`); `.` for a bare file name. */
export function parentLocation(location: string): string {
  const i = location.lastIndexOf('/');
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/]*$/i.exec(location.slice(0, i));
  if (i < 0) return '.';
  if (m) return `${location.slice(0, i)}/`;
  return i === 0 ? '/' : location.slice(0, i);
}
