export {
  ArgumentError,
  CodecError,
  EmptyRDDError,
  InternalError,
  IOError,
  PathNotFoundError,
  SparklingError,
  TaskError,
  UnsupportedSchemeError,
} from './errors.js';
