/**
 * The web portal (portal/, docs/portal.md): its built files served at /portal/ by every gateway, the
 * same build everywhere (the views shown follow the key's role: GET /session). Outside the API: no
 * API key, no OpenAPI validation. The page talks only to this gateway (Content-Security-Policy).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express from 'express';

export const PORTAL_BASE = '/portal/';
/** The build's output (npm run build -w portal), beside this package in the repository. */
export const PORTAL_DIST = join(__dirname, '..', '..', 'portal', 'dist');

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
};

/** Serves the portal from `dir`; while it is not built, /portal/ answers 404 with how to build it. */
export function portalRoutes(dir = PORTAL_DIST): express.Router {
  const r = express.Router();
  r.get('/', (_req, res) => res.redirect(302, PORTAL_BASE));
  r.use(PORTAL_BASE, (req, res, next) => {
    res.set(SECURITY_HEADERS);
    // Hashed asset names never change content; the page itself is fetched anew each time.
    res.set('Cache-Control', req.path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    next();
  });
  r.use(PORTAL_BASE, express.static(dir, { index: 'index.html' }));
  r.use(PORTAL_BASE, (_req, res, next) => {
    if (existsSync(join(dir, 'index.html'))) next();
    else res.status(404).type('text/plain').send('the portal is not built: npm run build -w portal\n');
  });
  return r;
}
