/** Debian's Chromium, headless, as the tests run it: no sandbox (root in CI), no GPU, no calls home. */
export const chromiumHeadless = (profileDir: string): string[] => [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  `--user-data-dir=${profileDir}`,
];
