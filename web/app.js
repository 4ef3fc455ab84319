// Access Token Management: the list of clients, Create New Client, and each client's actions, over the
// management API (API.md). Every action shows its result, or the problem's detail from the API.

import { ApiError, createApi } from "./api.js";
import { confirmAction, regenerate, showAudit, showToken } from "./dialogs.js";
import { byId, expiryState, formatDateTime, fromNow, h, timeElement } from "./dom.js";
import { editNetworks, networksSentence, networksSummary, parseNetworks } from "./networks.js";
import { beginSignIn, completeSignIn } from "./oidc.js";
import { clearToken, describeToken, getToken, setToken, takeTokenFromUrl } from "./session.js";
import { usageChart } from "./usage.js";

const api = createApi(getToken);

// What the service says about sign-in and expiry warnings (GET config.json); these defaults if it cannot be read
// (a token in a link is then not taken: only the service can say that this is a developer's own machine).
const settings = { signIn: null, expiryWarningDays: 7, acceptLinkToken: false };

const list = { clients: [], continuation: null, loading: false, error: null };

// ----- Notices: one polite status for results, one alert for failures.

function clearNotices() {
  for (const id of ["notice", "alert"]) {
    byId(id).hidden = true;
    byId(id).textContent = "";
  }
}

function announce(message) {
  clearNotices();
  byId("notice").textContent = message;
  byId("notice").hidden = false;
}

function alertError(message) {
  clearNotices();
  byId("alert").textContent = message;
  byId("alert").hidden = false;
}

/** Shows why an action failed. A refused sign-in (401) signs out; a client gone elsewhere (404) leaves the list. */
function failed(what, error, client) {
  if (!(error instanceof ApiError)) {
    alertError(`${what}: ${error?.message ?? error}`);
    return;
  }

  if (error.status === 401) {
    signOut(`The service refused your sign-in: ${error.message} Sign in again.`);
    return;
  }

  if (error.status === 404 && client) {
    list.clients = list.clients.filter((c) => c.id !== client.id);
    renderClients();
  }

  const fields = Object.entries(error.fieldErrors).map(([field, messages]) => `${field}: ${[].concat(messages).join(" ")}`);
  alertError([`${what}: ${error.message}`, ...fields].join(" "));
}

// ----- Sign-in

async function loadSettings() {
  try {
    const response = await fetch("config.json", { headers: { Accept: "application/json" } });
    if (response.ok) {
      Object.assign(settings, await response.json());
    }
  } catch {
    // The defaults stand: the pasted-token sign-in (no link token) and a 7-day warning.
  }

  byId("sign-in-provider").hidden = !settings.signIn;
  byId("sign-in-local").hidden = Boolean(settings.signIn);
  byId("sign-in-form").hidden = Boolean(settings.signIn);
}

async function start() {
  // A sign-in that could not be completed does not end a session this tab already has: it is only reported.
  let signInProblem = null;
  try {
    const issued = await completeSignIn();
    if (issued) {
      setToken(issued);
    }
  } catch (error) {
    signInProblem = error.message;
  }

  const { token, ignored } = takeTokenFromUrl(settings.acceptLinkToken === true && !settings.signIn);
  if (ignored) {
    signInProblem = settings.signIn
      ? "The link carried a sign-in token, which this page does not accept: sign in with your organization."
      : "The link carried a sign-in token, which this page does not accept outside a local run (./run.sh): paste your token below.";
  }

  if (!token) {
    showSignedOut(signInProblem ?? "You are not signed in.");
    return;
  }

  const info = describeToken(token);
  if (info?.expiresAt && info.expiresAt <= new Date()) {
    clearToken();
    showSignedOut(`Your sign-in expired at ${formatDateTime(info.expiresAt)}.`);
    return;
  }

  const who = [info?.subject ? `Signed in as ${info.subject}` : "Signed in", info?.tenant ? `tenant ${info.tenant}` : null];
  if (info?.expiresAt) {
    who.push(`until ${formatDateTime(info.expiresAt)}`);
  }

  byId("identity-text").textContent = who.filter(Boolean).join(" · ");
  byId("identity").hidden = false;
  byId("signed-out").hidden = true;
  byId("workspace").hidden = false;
  if (signInProblem) {
    alertError(signInProblem);
  }

  loadClients(true);
}

function showSignedOut(reason) {
  list.clients = [];
  list.continuation = null;
  byId("identity").hidden = true;
  byId("workspace").hidden = true;
  byId("signed-out").hidden = false;
  byId("sign-in-reason").textContent = reason;
}

function signOut(reason) {
  clearToken();
  clearNotices();
  showSignedOut(reason);
  byId("sign-in-title").setAttribute("tabindex", "-1");
  byId("sign-in-title").focus();
}

byId("sign-out").addEventListener("click", () => signOut("You signed out."));

// Back from the provider's page without signing in: a page restored from the back-forward cache offers the button again.
window.addEventListener("pageshow", (event) => {
  if (event.persisted) {
    byId("sign-in-button").disabled = false;
    if (byId("sign-in-reason").textContent.startsWith("Taking you")) {
      byId("sign-in-reason").textContent = "You are not signed in.";
    }
  }
});

byId("sign-in-button").addEventListener("click", async () => {
  const button = byId("sign-in-button");
  button.disabled = true;
  byId("sign-in-reason").textContent = "Taking you to your identity provider…";
  try {
    await beginSignIn(settings.signIn);
  } catch (error) {
    byId("sign-in-reason").textContent = error.message;
    button.disabled = false;
  }
});

byId("sign-in-form").addEventListener("submit", (event) => {
  event.preventDefault();
  if (settings.signIn) {
    return; // the form is hidden where the page signs in at a provider; a script that submits it gets nothing
  }

  const input = byId("sign-in-token");
  const token = input.value.trim();
  input.value = "";
  if (!token) {
    byId("sign-in-reason").textContent = "Paste a bearer token first.";
    input.focus();
    return;
  }

  setToken(token);
  clearNotices();
  start();
});

// ----- The list of clients

async function loadClients(fromStart) {
  if (list.loading) {
    return;
  }

  list.loading = true;
  list.error = null;
  if (fromStart) {
    list.clients = [];
    list.continuation = null;
  }

  renderClients();
  try {
    const page = await api.listClients(fromStart ? undefined : list.continuation);
    list.clients.push(...page.items);
    list.continuation = page.continuationToken;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      list.loading = false;
      failed("Could not load the clients", error);
      return;
    }

    list.error = error;
  } finally {
    list.loading = false;
  }

  renderClients();
}

function renderClients() {
  const state = byId("clients-state");
  const table = byId("clients-table");
  byId("clients-body").replaceChildren(...list.clients.map(clientRow));
  table.hidden = list.clients.length === 0;
  byId("clients-more").hidden = !list.continuation || list.loading;
  table.closest("section").setAttribute("aria-busy", String(list.loading));

  state.className = "state";
  if (list.loading) {
    state.replaceChildren(list.clients.length === 0 ? "Loading clients…" : "Loading more clients…");
  } else if (list.error) {
    state.classList.add("state-error");
    state.replaceChildren(
      `Could not load the clients: ${list.error.message} `,
      h("button", { type: "button", onclick: () => loadClients(true) }, "Retry"));
  } else if (list.clients.length === 0) {
    state.classList.add("state-empty");
    state.replaceChildren(
      h("strong", {}, "No clients yet."),
      " Create one above: a name such as BI or JDBC, and the role whose permissions it should have. ",
      "Its access token is shown once, when it is generated.");
  } else {
    state.replaceChildren();
  }
}

function clientRow(client) {
  const expiry = expiryState(client.expiresAt, settings.expiryWarningDays);
  const action = (name, label, accessibleName, handler, className) =>
    h("button", { type: "button", className, "data-action": name, "aria-label": accessibleName, onclick: () => handler(client) }, label);

  return h("tr", { "data-client-id": client.id, "data-client-name": client.name },
    h("th", { scope: "row", "data-label": "Name" }, client.name),
    h("td", { "data-label": "Role" }, client.role),
    h("td", { "data-label": "Networks" }, networksSummary(client)),
    h("td", { "data-label": "Status" }, h("span", { className: `badge status-${client.status}` }, client.status), leakNotice(client)),
    h("td", { "data-label": "Token" }, h("code", { title: "The token's first characters, safe to display" }, `${client.tokenPrefix}…`)),
    h("td", { "data-label": "Expires" },
      timeElement(client.expiresAt),
      expiry === "soon"
        ? h("span", { className: "expiry-warning" }, h("span", { "aria-hidden": "true" }, "⚠ "), `Expires ${fromNow(new Date(client.expiresAt))}`)
        : null,
      expiry === "expired" ? h("span", { className: "expiry-expired" }, "Expired: regenerate its token") : null),
    h("td", { "data-label": "Last used" }, client.lastUsedAt ? timeElement(client.lastUsedAt) : "Never", usageChart(api, client)),
    h("td", {},
      h("div", { className: "row-actions" },
        action("show", "Show", `Show token of ${client.name}`, onShow),
        client.status === "disabled"
          ? action("enable", "Enable", `Enable ${client.name}`, onEnable)
          : action("disable", "Disable", `Disable ${client.name}`, onDisable),
        action("regenerate", "Regenerate", `Regenerate token of ${client.name}`, onRegenerate),
        action("networks", "Networks", `Networks of ${client.name}`, onNetworks),
        action("audit", "Audit", `Audit of ${client.name}`, onAudit),
        action("delete", "Delete", `Delete ${client.name}`, onDelete, "danger"))));
}

// ----- A token secret scanning found in public

/** Where and when the client's current token was found, and the way back; null for a client with no leak. */
function leakNotice(client) {
  if (!client.leak) {
    return null;
  }

  const { url, source, reportedAt } = client.leak;
  return h("div", { className: "leak", "data-leak": "" },
    h("span", { className: "leak-mark" }, "Leaked"),
    h("span", { className: "leak-text" },
      "Its token was found in public",
      source ? ` (${source})` : null,
      url ? [": ", leakLocation(url)] : null,
      ", reported ", timeElement(reportedAt),
      ". It stays disabled: regenerate its token, then enable it."));
}

/** The place a leak was reported at: a link only where it is https, else the text as given (never a javascript: or data: link). */
function leakLocation(url) {
  let https = false;
  try {
    https = new URL(url).protocol === "https:";
  } catch {
    https = false;
  }

  return https
    ? h("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, url)
    : h("code", {}, url);
}

/** Enable of a leaked client: the service would refuse it (409 token_leaked), so the page says why and what to do. */
function explainLeakedEnable(client) {
  alertError(`${client.name} cannot be enabled yet: its token was found in public. Regenerate its token first, then enable it.`);
}

function rowOf(client) {
  return byId("clients-body").querySelector(`tr[data-client-id="${CSS.escape(client.id)}"]`);
}

/** Runs a row's action with its buttons disabled, so that one click is one request. */
async function busy(client, work) {
  const row = rowOf(client);
  const buttons = row ? [...row.querySelectorAll("button")] : [];
  buttons.forEach((button) => { button.disabled = true; });
  row?.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    buttons.forEach((button) => { button.disabled = false; });
    row?.removeAttribute("aria-busy");
  }
}

/** Puts a changed client in place and keeps the keyboard focus on that row's action. */
function replaceClient(client, focusAction) {
  list.clients = list.clients.map((c) => (c.id === client.id ? client : c));
  renderClients();
  if (focusAction) {
    rowOf(client)?.querySelector(`button[data-action="${focusAction}"]`)?.focus();
  }
}

// ----- Actions

async function onShow(client) {
  const confirmed = await confirmAction({
    title: `Show the token of ${client.name}?`,
    message: "Showing a token is recorded in the client's audit trail, with your name. Show it only to hand it to the connector that needs it.",
    confirmLabel: "Show token",
  });
  if (!confirmed) {
    return;
  }

  try {
    const { token } = await busy(client, () => api.showToken(client.id));
    announce(`The token of ${client.name} was shown; this is recorded in its audit trail.`);
    await showToken({ title: `Token of ${client.name}`, intro: "Showing it was recorded in the audit trail.", token });
  } catch (error) {
    failed(`Could not show the token of ${client.name}`, error, client);
  }
}

async function onDisable(client) {
  try {
    const updated = await busy(client, () => api.disable(client.id));
    replaceClient(updated, "enable");
    announce(`${updated.name} disabled: its token is refused from now on.`);
  } catch (error) {
    failed(`Could not disable ${client.name}`, error, client);
  }
}

async function onEnable(client) {
  if (client.leak) {
    explainLeakedEnable(client);
    return;
  }

  try {
    const updated = await busy(client, () => api.enable(client.id));
    replaceClient(updated, "disable");
    announce(updated.status === "expired"
      ? `${updated.name} enabled, but its token has expired: regenerate it.`
      : `${updated.name} enabled: its token works again.`);
  } catch (error) {
    failed(`Could not enable ${client.name}`, error, client);
  }
}

async function onRegenerate(client) {
  try {
    const result = await regenerate(client, api);
    if (!result) {
      return;
    }

    replaceClient(result.client, "regenerate");
    const old = client.leak
      ? `The reported token stays stopped, and ${result.client.name} stays disabled: enable it once its connector has the new token.`
      : result.graceMinutes > 0
      ? `The old token keeps working for up to ${result.graceMinutes} minutes.`
      : "The old token has stopped working.";
    announce(`New token issued for ${result.client.name}, valid until ${formatDateTime(new Date(result.client.expiresAt))}. ${old}`);
    await showToken({ title: `New token for ${result.client.name}`, intro: `${old} Copy the new one now: it is shown here once.`, token: result.token });
  } catch (error) {
    failed(`Could not regenerate the token of ${client.name}`, error, client);
  }
}

async function onNetworks(client) {
  try {
    const updated = await editNetworks(client, api);
    if (!updated) {
      return;
    }

    replaceClient(updated, "networks");
    announce(`Networks of ${updated.name} saved; they apply from the next validate. ${networksSentence(updated)}`);
  } catch (error) {
    failed(`Could not change the networks of ${client.name}`, error, client);
  }
}

async function onAudit(client) {
  await showAudit(client, api, (error) => failed(`Could not load the audit trail of ${client.name}`, error));
}

async function onDelete(client) {
  const confirmed = await confirmAction({
    title: `Delete ${client.name}?`,
    message: `The token of ${client.name} stops working at once, and the client cannot be restored. Its audit trail is kept.`,
    confirmLabel: `Delete ${client.name}`,
    danger: true,
  });
  if (!confirmed) {
    return;
  }

  try {
    await busy(client, () => api.deleteClient(client.id));
    list.clients = list.clients.filter((c) => c.id !== client.id);
    renderClients();
    announce(`${client.name} deleted: its token no longer works.`);
    byId("clients-title").focus();
  } catch (error) {
    failed(`Could not delete ${client.name}`, error, client);
  }
}

// ----- Create New Client

byId("create-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const nameInput = byId("create-name");
  const roleInput = byId("create-role");
  const submit = byId("create-submit");
  const name = nameInput.value.trim();
  const role = roleInput.value.trim();
  const networks = parseNetworks(byId("create-networks").value);
  const errors = {
    name: name ? "" : "Enter the client's name, such as BI.",
    role: role ? "" : "Enter the role whose permissions the client gets, such as analyst.",
  };
  if (showFieldErrors(errors)) {
    return;
  }

  let created;
  submit.disabled = true;
  try {
    created = await api.createClient(name, role, networks.length > 0 ? networks : undefined);
  } catch (error) {
    if (error instanceof ApiError && error.code === "name_taken") {
      showFieldErrors({ name: error.message });
      alertError(`Could not create ${name}: ${error.message}`);
    } else if (error instanceof ApiError && error.status === 400 && showFieldErrors(mapFieldErrors(error.fieldErrors))) {
      alertError(`Could not create ${name}: ${error.message}`);
    } else {
      failed(`Could not create ${name}`, error);
    }

    return;
  } finally {
    submit.disabled = false;
  }

  byId("create-form").reset();
  if (!list.continuation) {
    list.clients.push(created.client);
  }

  list.error = null;
  renderClients();
  announce(`Client ${created.client.name} created with role ${created.client.role}.${created.client.allowedNetworks?.length ? ` ${networksSentence(created.client)}` : ""}`);
  await showToken({
    title: `New token for ${created.client.name}`,
    intro: "Copy it now: it is shown here once. (Show can display it again later, and that is audited.)",
    token: created.token,
  });
  nameInput.focus();
});

function mapFieldErrors(fieldErrors) {
  const pick = (field) => Object.entries(fieldErrors)
    .filter(([key]) => key.toLowerCase() === field)
    .flatMap(([, messages]) => [].concat(messages))
    .join(" ");
  return { name: pick("name"), role: pick("role"), networks: pick("allowednetworks") };
}

/** Writes each field's message beside it; returns true when any field has one (and focuses the first). */
function showFieldErrors(errors) {
  let first = null;
  for (const field of ["name", "role", "networks"]) {
    const input = byId(`create-${field}`);
    const message = errors[field] ?? "";
    byId(`create-${field}-error`).textContent = message;
    input.setAttribute("aria-invalid", String(Boolean(message)));
    if (message && !first) {
      first = input;
    }
  }

  first?.focus();
  return first !== null;
}

for (const field of ["name", "role", "networks"]) {
  byId(`create-${field}`).addEventListener("input", () => {
    byId(`create-${field}-error`).textContent = "";
    byId(`create-${field}`).removeAttribute("aria-invalid");
  });
}

byId("refresh").addEventListener("click", () => {
  clearNotices();
  loadClients(true);
});
byId("clients-more").addEventListener("click", () => loadClients(false));
byId("clients-title").setAttribute("tabindex", "-1");

// A sign-in link opened in a tab that already shows the page changes only the fragment: take it (or refuse it) too.
window.addEventListener("hashchange", () => {
  if (new URLSearchParams(window.location.hash.slice(1)).has("token")) {
    clearNotices();
    start();
  }
});

await loadSettings();
await start();
