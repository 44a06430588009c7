/** Browsers by the User-Agent token that names them, most specific first (Edge and Opera also say Chrome, Chrome says Safari). */
const BROWSERS: readonly [RegExp, string][] = [
  [/\bEdg(?:e|A|iOS)?\/(\d+)/, 'Edge'],
  [/\bOPR\/(\d+)/, 'Opera'],
  [/\bSamsungBrowser\/(\d+)/, 'Samsung Internet'],
  [/\b(?:Firefox|FxiOS)\/(\d+)/, 'Firefox'],
  [/\b(?:Chrome|CriOS|HeadlessChrome|Chromium)\/(\d+)/, 'Chrome'],
  [/\bVersion\/(\d+)[\d.]* (?:Mobile\/\S+ )?Safari\//, 'Safari'],
];

/** Operating systems by their User-Agent token, most specific first (Android says Linux, iOS says like Mac OS X). */
const SYSTEMS: readonly [RegExp, string][] = [
  [/\bAndroid (\d+)/, 'Android'],
  [/\b(?:iPhone|iPad|iPod).*? OS (\d+)/, 'iOS'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bWindows NT\b/, 'Windows'],
  [/\bMac OS X\b/, 'macOS'],
  [/\bLinux\b/, 'Linux'],
];

function firstMatch(userAgent: string, table: readonly [RegExp, string][]): string | undefined {
  for (const [pattern, name] of table) {
    const m = pattern.exec(userAgent);
    if (m) return m[1] === undefined ? name : `${name} ${m[1]}`;
  }
  return undefined;
}

/** A short name for a browser device from its User-Agent and core count: 'Chrome 120, Android 14, 8 cores'. */
export function browserDeviceName(userAgent: string, cores: number): string {
  const browser = firstMatch(userAgent, BROWSERS) ?? 'a browser';
  const system = firstMatch(userAgent, SYSTEMS);
  return [browser, ...(system ? [system] : []), `${cores} core${cores === 1 ? '' : 's'}`].join(', ');
}
