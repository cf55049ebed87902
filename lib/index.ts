export {
  ArgumentError,
  CodecError,
  EmptyRDDError,
  InternalError,
  IOError,
  PathExistsError,
  PathNotFoundError,
  SparklingError,
  TaskError,
  UnsupportedSchemeError,
} from './errors.js';
