/** A malformed profiles/ directory: names the file and the problem (no data, only definitions). */
export class ProfilesError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`profiles: ${file}: ${problem}`);
    this.name = 'ProfilesError';
  }
}
