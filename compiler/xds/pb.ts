/**
 * @bufbuild/protobuf, loaded on first use. Importing it costs 40–120 ms (a large module
 * graph), which commands that never touch xDS must not pay: every runtime use in
 * compiler/xds and compiler/verify goes through these accessors; elsewhere only
 * `import type` is used.
 */
import { createRequire } from 'node:module';
import type * as Protobuf from '@bufbuild/protobuf';
import type * as Reflect from '@bufbuild/protobuf/reflect';
import type * as Wkt from '@bufbuild/protobuf/wkt';

const require = createRequire(import.meta.url);

let pb: typeof Protobuf | undefined;
let wkt: typeof Wkt | undefined;
let reflect: typeof Reflect | undefined;

export function protobuf(): typeof Protobuf {
  pb ??= require('@bufbuild/protobuf') as typeof Protobuf;
  return pb;
}

export function protobufWkt(): typeof Wkt {
  wkt ??= require('@bufbuild/protobuf/wkt') as typeof Wkt;
  return wkt;
}

export function protobufReflect(): typeof Reflect {
  reflect ??= require('@bufbuild/protobuf/reflect') as typeof Reflect;
  return reflect;
}
