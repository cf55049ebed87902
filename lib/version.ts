/** sparkling's package version (`sc.version`); a spec checks it against package.json. */
export const VERSION = '0.1.0';
