/**
 * The type of an uploaded file, from its first bytes as Slack sniffs it (the filename is not
 * trusted). Never answers a type a browser would run (HTML, SVG): text that is not a known
 * binary format is `text/plain`, so serving an upload back cannot inject script into the page.
 */
const SIGNATURES: { mimetype: string; filetype: string; test: (b: Buffer) => boolean }[] = [
  { mimetype: 'image/png', filetype: 'png', test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { mimetype: 'image/jpeg', filetype: 'jpg', test: (b) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { mimetype: 'image/gif', filetype: 'gif', test: (b) => ['GIF87a', 'GIF89a'].includes(b.subarray(0, 6).toString('latin1')) },
  {
    mimetype: 'image/webp',
    filetype: 'webp',
    test: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
  },
  { mimetype: 'application/pdf', filetype: 'pdf', test: (b) => b.subarray(0, 5).toString('latin1') === '%PDF-' },
  { mimetype: 'application/zip', filetype: 'zip', test: (b) => b.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04])) },
  { mimetype: 'application/gzip', filetype: 'gzip', test: (b) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b },
];

export function sniff(bytes: Buffer): { mimetype: string; filetype: string } {
  for (const s of SIGNATURES) if (s.test(bytes)) return { mimetype: s.mimetype, filetype: s.filetype };
  const control = bytes.some((b) => b < 0x09 || (b > 0x0d && b < 0x20));
  if (!control && !bytes.toString('utf8').includes('\uFFFD')) return { mimetype: 'text/plain', filetype: 'text' };
  return { mimetype: 'application/octet-stream', filetype: 'binary' };
}
