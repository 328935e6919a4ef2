/** What main() hands each command: the command line (for the report) and where its exit code goes. */
export interface CliContext {
  /** The arguments after the program name, as typed. */
  args: readonly string[];
  /** Exit code (src/report/exit-codes.ts). */
  setExit: (code: number) => void;
}
