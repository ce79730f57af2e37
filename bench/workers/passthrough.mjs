// The baseline: forwards every request to the origin, no authorization.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    return fetch(env.UPSTREAM_URL + url.search, { method: request.method, headers: request.headers, body: request.body });
  },
};
