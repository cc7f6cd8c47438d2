/** The benches' REST calls: JSON in and out, an error for any status from 300 on. */
/** A call of the Community gateway; apiAt calls the gateway at `url`. */
const api = (profile, key, method, path, body) => apiAt(profile.orgs.community.gateway.url, key, method, path, body);

async function apiAt(url, key, method, path, body) {
  const res = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

module.exports = { api, apiAt };
