// DNS names as Route 53 compares them: case-insensitive, with or without the trailing dot,
// and with `\052`-style octal escapes (Route 53 returns `*` as `\052`).

/** Lower case, escapes decoded, no trailing dot: the form used for comparing names. */
export function normalizeName(name: string): string {
  const decoded = name.replace(/\\(\d{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
  return decoded.toLowerCase().replace(/\.+$/, '');
}

/** The form we send: normalized, with the trailing dot. */
export function toFqdn(name: string): string {
  return `${normalizeName(name)}.`;
}

export function sameName(a: string, b: string): boolean {
  return normalizeName(a) === normalizeName(b);
}
