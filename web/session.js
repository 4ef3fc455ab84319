// The administrator's bearer token: pasted, from the identity provider, or (in a local run only) in the URL
// fragment (#token=…), which browsers never send to a server and which is removed from the address bar at once so
// that it is not left in the history or a bookmark. It is kept in this tab's sessionStorage and only ever sent in
// the Authorization header (see api.js).

const storageKey = "blue.adminToken";

/**
 * Moves a token from the URL fragment into sessionStorage; returns the token now held, or null. Unless the service
 * says this is a developer's local run (`accept` true: the link ./run.sh prints), a token in the link is removed
 * from the address bar and never used: a link carrying someone else's JWT must not sign this tab in as them
 * (login CSRF). Returns whether such a token was ignored as `ignored`.
 */
export function takeTokenFromUrl(accept = false) {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const token = fragment.get("token");
  let ignored = false;
  if (fragment.has("token")) {
    fragment.delete("token");
    const rest = fragment.toString();
    const clean = window.location.pathname + window.location.search + (rest ? `#${rest}` : "");
    window.history.replaceState(window.history.state, "", clean);
    if (token && accept) {
      setToken(token);
    }

    ignored = Boolean(token) && !accept;
  }

  return { token: getToken(), ignored };
}

export function getToken() {
  try {
    return window.sessionStorage.getItem(storageKey);
  } catch {
    return null; // storage disabled: the page then asks to sign in
  }
}

export function setToken(token) {
  window.sessionStorage.setItem(storageKey, token.trim());
}

export function clearToken() {
  window.sessionStorage.removeItem(storageKey);
}

/**
 * What the token says about its holder, for display only (the API is the judge of the token): subject,
 * tenant and expiry. Null when it is not a readable JWT.
 */
export function describeToken(token) {
  const claims = claimsOf(token);
  return claims && {
    subject: typeof claims.sub === "string" ? claims.sub : null,
    tenant: typeof claims.tid === "string" ? claims.tid : null,
    expiresAt: typeof claims.exp === "number" ? new Date(claims.exp * 1000) : null,
  };
}

/** The claims of a JWT, read without checking its signature; null when it is not a readable JWT. */
export function claimsOf(jwt) {
  const parts = jwt.split(".");
  if (parts.length !== 3) {
    return null;
  }

  try {
    const base64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    return claims !== null && typeof claims === "object" ? claims : null;
  } catch {
    return null;
  }
}
