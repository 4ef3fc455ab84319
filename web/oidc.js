// Sign-in at the identity provider: OpenID Connect, authorization code flow with PKCE (RFC 7636) for a public
// client, so the page holds no secret. The page redirects to the provider's authorization endpoint; the provider
// redirects back with a one-time code, which the page exchanges, with the verifier only it knows, for an access
// token. What the page must remember across the redirect (verifier, state, nonce) stays in this tab's
// sessionStorage and is used once.

import { claimsOf } from "./session.js";

const pendingKey = "blue.signInPending";
const responseParameters = ["code", "state", "error", "error_description", "error_uri", "session_state", "iss"];

/** Sends the browser to the provider's sign-in. Resolves only if it could not (the promise then rejects). */
export async function beginSignIn(signIn) {
  const discovery = await discover(signIn.authority);
  const verifier = randomText(32);
  const state = randomText(16);
  const nonce = randomText(16);
  const redirectUri = pageAddress();
  window.sessionStorage.setItem(pendingKey, JSON.stringify({
    verifier, state, nonce, redirectUri, tokenEndpoint: discovery.token_endpoint, clientId: signIn.clientId,
  }));

  // The code comes back in the fragment where the provider allows it: a fragment never reaches a server, so the
  // code is not written to any request log (PKCE makes it useless without the verifier, but it need not travel).
  const modes = discovery.response_modes_supported;
  const responseMode = !Array.isArray(modes) || modes.includes("fragment") ? "fragment" : "query";
  const authorize = new URL(discovery.authorization_endpoint);
  for (const [name, value] of Object.entries({
    response_type: "code",
    response_mode: responseMode,
    client_id: signIn.clientId,
    redirect_uri: redirectUri,
    scope: signIn.scope,
    state,
    nonce,
    code_challenge: await challengeOf(verifier),
    code_challenge_method: "S256",
  })) {
    authorize.searchParams.set(name, value);
  }

  window.location.assign(authorize.toString());
}

/**
 * Completes a sign-in when the provider has just redirected back here: checks the state, exchanges the code,
 * and returns the access token. Returns null when this load is not a return from the provider. Throws an Error
 * whose message says what went wrong, for the page to show. The response leaves the address bar before anything
 * else, so that the code is not kept in the history.
 */
export async function completeSignIn() {
  const fromFragment = new URLSearchParams(window.location.hash.slice(1));
  const returned = fromFragment.has("code") || fromFragment.has("error") ? fromFragment : new URLSearchParams(window.location.search);
  if (!returned.has("code") && !returned.has("error")) {
    return null;
  }

  const query = withoutResponse(window.location.search);
  const fragment = withoutResponse(window.location.hash);
  window.history.replaceState(window.history.state, "", window.location.pathname + (query ? `?${query}` : "") + (fragment ? `#${fragment}` : ""));

  // The state first: a response this tab did not ask for is refused before anything in it is shown or used.
  const pending = takePending();
  if (!pending || !returned.get("state") || returned.get("state") !== pending.state) {
    throw new SignInError("This sign-in response does not match a sign-in started in this tab; sign in again.");
  }

  if (returned.get("error")) {
    const detail = returned.get("error_description") || returned.get("error");
    throw new SignInError(`The identity provider did not sign you in: ${detail}`);
  }

  let response;
  try {
    response = await fetch(pending.tokenEndpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: returned.get("code"),
        redirect_uri: pending.redirectUri,
        client_id: pending.clientId,
        code_verifier: pending.verifier,
      }),
    });
  } catch {
    throw new SignInError("The identity provider could not be reached to finish the sign-in; check your connection and sign in again.");
  }

  const body = await response.json().catch(() => ({}));
  if (!response.ok || typeof body.access_token !== "string") {
    const detail = body.error_description || body.error || `HTTP ${response.status}`;
    throw new SignInError(`The identity provider did not issue a token: ${detail}`);
  }

  if (typeof body.id_token === "string" && claimsOf(body.id_token)?.nonce !== pending.nonce) {
    throw new SignInError("The identity provider's answer is not for this sign-in (nonce mismatch); sign in again.");
  }

  return body.access_token;
}

/** Why a sign-in could not be completed, in words for the administrator. */
export class SignInError extends Error {}

/** A query or fragment without the parameters of an authorization response. */
function withoutResponse(part) {
  const parameters = new URLSearchParams(part.replace(/^[?#]/, ""));
  for (const name of responseParameters) {
    parameters.delete(name);
  }

  return parameters.toString();
}

/** The page's own address, without query or fragment: the redirect URI to register at the provider. */
export function pageAddress() {
  return window.location.origin + window.location.pathname;
}

async function discover(authority) {
  let response;
  try {
    response = await fetch(`${authority.replace(/\/+$/, "")}/.well-known/openid-configuration`);
  } catch {
    throw new Error(`The identity provider at ${authority} could not be reached; try again later.`);
  }

  const document = await response.json().catch(() => null);
  if (!response.ok || !document?.authorization_endpoint || !document?.token_endpoint) {
    throw new Error(`The identity provider at ${authority} did not describe itself (OpenID discovery failed, HTTP ${response.status}).`);
  }

  return document;
}

function takePending() {
  try {
    const text = window.sessionStorage.getItem(pendingKey);
    window.sessionStorage.removeItem(pendingKey);
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

function randomText(bytes) {
  return base64Url(window.crypto.getRandomValues(new Uint8Array(bytes)));
}

async function challengeOf(verifier) {
  const digest = await window.crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64Url(new Uint8Array(digest));
}

function base64Url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
