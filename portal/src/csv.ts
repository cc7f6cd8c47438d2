/** CSV (RFC 4180) of rows: quoted where needed, CRLF line ends; numbers as the ledger's integers. */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cell = (v: string | number) => {
    const text = String(v);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** Saves a file through the browser's download. */
export function saveFile(fileName: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  URL.revokeObjectURL(url);
}

/** Saves rows as a CSV file through the browser's download. */
export const downloadCsv = (fileName: string, header: readonly string[], rows: readonly (readonly (string | number)[])[]): void =>
  saveFile(fileName, new Blob([toCsv(header, rows)], { type: 'text/csv' }));
