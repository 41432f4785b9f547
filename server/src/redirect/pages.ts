/** Plain HTML for people who followed a link — the redirect never answers a visitor with JSON. */
function page(title: string, bodyId: string, bodyEn: string): string {
  return `<!doctype html>
<html lang="id"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${title}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:15vh auto;padding:0 1.25rem;color:#222;line-height:1.5}h1{font-size:1.4rem}p.en{color:#666}a{color:#0a7}</style>
</head><body><h1>${title}</h1><p>${bodyId}</p><p class="en" lang="en">${bodyEn}</p><p><a href="/">Tular</a></p></body></html>
`;
}

export const NOT_FOUND_PAGE = Buffer.from(
  page(
    'Tautan tidak ditemukan',
    'Tautan ini tidak ada atau sudah tidak aktif. Minta tautan baru kepada orang yang membagikannya.',
    'This link does not exist or is no longer active. Ask whoever shared it for a new one.',
  ),
);

export const UNAVAILABLE_PAGE = Buffer.from(
  page(
    'Sebentar lagi, ya',
    'Kami sedang mengalami gangguan. Silakan coba buka tautan ini lagi dalam beberapa saat.',
    'We are having a problem right now. Please try this link again in a moment.',
  ),
);

export const RATE_LIMITED_PAGE = Buffer.from(
  page('Terlalu banyak permintaan', 'Terlalu banyak permintaan dari jaringan Anda. Coba lagi sebentar lagi.', 'Too many requests from your network. Please try again shortly.'),
);
