import test from 'ava';
import { ArgumentError, SparklingError, TaskError } from '../lib/index.js';

test('errors: subclasses set their name and keep the cause', (t) => {
  const cause = new RangeError('boom');
  const e = new TaskError('map', 3, 1, cause);
  t.true(e instanceof SparklingError);
  t.is(e.name, 'TaskError');
  t.is(e.cause, cause);
  t.is(e.message, 'map[3] failed in partition 1: RangeError: boom');
  t.is(new ArgumentError('x').name, 'ArgumentError');
});
