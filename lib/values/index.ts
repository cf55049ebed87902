/**
 * Value semantics: keys compare by value (`keyOf`, `equals`, `ValueMap`,
 * `ValueSet`), PySpark's partitioning hash (`portableHash`, `partitionOf`) and
 * natural order (`compare`, `compareBy`).
 */

export { compare, compareBy, compareStrings } from './compare.js';
export { exactPortableHash, partitionOf, portableHash, stringHash } from './hash.js';
export { equals, keyOf } from './key.js';
export { ValueMap, ValueSet } from './value-map.js';
