// The page's modal dialogs. Native <dialog> elements opened with showModal(): the browser keeps focus inside,
// Escape cancels, and the rest of the page is inert until they close.

import { ApiError } from "./api.js";
import { byId, formatDateTime, h, timeElement } from "./dom.js";

/** Opens a dialog and resolves with its returnValue when it closes; focus goes back where it was. */
export function openDialog(dialog, focus) {
  const opener = document.activeElement;
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      if (opener instanceof HTMLElement && opener.isConnected) {
        opener.focus();
      }

      resolve(dialog.returnValue);
    }, { once: true });
    dialog.returnValue = "";
    dialog.showModal();
    focus?.focus();
  });
}

/** Asks before an action; resolves true when confirmed. Cancel has the focus, so Enter alone changes nothing. */
export async function confirmAction({ title, message, confirmLabel, danger = false }) {
  byId("confirm-title").textContent = title;
  byId("confirm-message").textContent = message;
  const ok = byId("confirm-ok");
  ok.textContent = confirmLabel;
  ok.classList.toggle("danger", danger);
  ok.classList.toggle("primary", !danger);
  return (await openDialog(byId("confirm-dialog"), byId("confirm-cancel"))) === "confirm";
}

/** Shows a token with Copy and Done. The token leaves the page's DOM when the dialog closes. */
export async function showToken({ title, intro, token }) {
  const value = byId("token-value");
  byId("token-title").textContent = title;
  byId("token-intro").textContent = intro;
  byId("token-copy-status").textContent = "";
  value.value = token;
  const closed = openDialog(byId("token-dialog"), value);
  value.select();
  await closed;
  value.value = "";
}

async function copyToken() {
  const value = byId("token-value");
  const status = byId("token-copy-status");
  status.classList.remove("copy-failed");
  try {
    await navigator.clipboard.writeText(value.value);
    status.textContent = "Copied to the clipboard.";
    return;
  } catch {
    // No clipboard API or no permission: fall back to copying the selection.
  }

  value.focus();
  value.select();
  let copied = false;
  try {
    copied = document.execCommand("copy");
  } catch {
    copied = false;
  }

  status.textContent = copied ? "Copied to the clipboard." : "Could not copy: the token is selected, press Ctrl+C (⌘C on a Mac).";
  status.classList.toggle("copy-failed", !copied);
}

/**
 * Asks for the new token's lifetime and grace period and regenerates. Resolves with the API's answer and the
 * grace given, or null when cancelled. A refusal is shown in the dialog, which stays open to correct it.
 */
export function regenerate(client, api) {
  const dialog = byId("regenerate-dialog");
  const form = byId("regenerate-form");
  const days = byId("regenerate-days");
  const grace = byId("regenerate-grace");
  const error = byId("regenerate-error");
  const submit = byId("regenerate-submit");
  byId("regenerate-title").textContent = `Regenerate the token of ${client.name}`;
  days.value = "90";
  grace.value = "";
  error.textContent = "";

  let result = null;
  form.onsubmit = async (event) => {
    event.preventDefault();
    error.textContent = "";
    const lifetime = readInteger(days, 1, 365, "Lifetime");
    const graceMinutes = grace.value.trim() === "" ? 0 : readInteger(grace, 0, 1440, "Grace period");
    if (typeof lifetime === "string" || typeof graceMinutes === "string") {
      error.textContent = [lifetime, graceMinutes].filter((x) => typeof x === "string").join(" ");
      return;
    }

    const body = { expiresInDays: lifetime };
    if (graceMinutes > 0) {
      body.gracePeriodMinutes = graceMinutes;
    }

    submit.disabled = true;
    try {
      result = { ...(await api.regenerate(client.id, body)), graceMinutes };
      dialog.close("done");
    } catch (e) {
      if (!(e instanceof ApiError) || e.status === 401) {
        result = { error: e };
        dialog.close("error");
        return;
      }

      const fields = Object.values(e.fieldErrors).flat();
      error.textContent = fields.length > 0 ? fields.join(" ") : e.message;
    } finally {
      submit.disabled = false;
    }
  };
  byId("regenerate-cancel").onclick = () => dialog.close("cancel");

  return openDialog(dialog, days).then(() => {
    if (result?.error) {
      throw result.error;
    }

    return result;
  });
}

function readInteger(input, min, max, label) {
  const text = input.value.trim();
  const value = Number(text);
  if (text === "" || !Number.isInteger(value) || value < min || value > max) {
    return `${label}: a whole number from ${min} to ${max}.`;
  }

  return value;
}

const actionLabels = {
  "client.created": "Created",
  "client.updated": "Updated",
  "token.shown": "Token shown",
  "client.disabled": "Disabled",
  "client.enabled": "Enabled",
  "token.regenerated": "Token regenerated",
  "client.deleted": "Deleted",
  "token.expired": "Token expired",
  "token.leaked": "Token found in public",
};

/** The audit trail of one client, newest first, a page at a time. */
export function showAudit(client, api, onError) {
  const list = byId("audit-list");
  const state = byId("audit-state");
  const more = byId("audit-more");
  byId("audit-title").textContent = `Audit of ${client.name}`;
  list.replaceChildren();
  more.hidden = true;
  let continuation = null;

  async function load() {
    state.textContent = "Loading events…";
    more.disabled = true;
    try {
      const page = await api.audit(client.id, continuation);
      list.append(...page.items.map(auditItem));
      continuation = page.continuationToken;
      more.hidden = !continuation;
      state.textContent = list.children.length === 0 ? "No events recorded for this client." : "";
    } catch (e) {
      state.textContent = `Could not load the audit trail: ${e.message}`;
      if (e instanceof ApiError && e.status === 401) {
        byId("audit-dialog").close();
        onError(e);
      }
    } finally {
      more.disabled = false;
    }
  }

  more.onclick = load;
  const closed = openDialog(byId("audit-dialog"), byId("audit-close"));
  load();
  return closed;
}

function auditItem(event) {
  return h("li", { "data-action": event.action },
    h("div", { className: "audit-head" },
      h("strong", {}, actionLabels[event.action] ?? event.action),
      " ",
      h("code", {}, event.action),
      " · ",
      timeElement(event.at),
      " · by ",
      h("span", { className: "actor" }, event.actor)),
    describeDetail(event));
}

function describeDetail(event) {
  const d = event.detail;
  if (!d || typeof d !== "object") {
    return null;
  }

  const parts = [];
  if (d.role) {
    parts.push(`role ${d.role}`);
  }

  if (d.changes) {
    for (const [field, change] of Object.entries(d.changes)) {
      parts.push(`${field}: ${changeValue(change.from)} → ${changeValue(change.to)}`);
    }
  }

  if (Array.isArray(d.allowedNetworks)) {
    parts.push(`networks ${changeValue(d.allowedNetworks)}`);
  }

  if (d.previousTokenPrefix) {
    parts.push(`replaced ${d.previousTokenPrefix}…`);
  }

  if (d.tokenPrefix) {
    parts.push(`token ${d.tokenPrefix}…`);
  }

  if (d.expiresAt) {
    parts.push(`expires ${formatDateTime(new Date(d.expiresAt))}`);
  }

  if (d.gracePeriodMinutes) {
    parts.push(`grace ${d.gracePeriodMinutes} min`);
  }

  parts.push(...leakDetail(d));

  return parts.length > 0 ? h("div", { className: "audit-detail" }, parts.join(" · ")) : null;
}

/** A changed value as text; a list of networks reads as the list, and [] as "any source". */
function changeValue(value) {
  if (!Array.isArray(value)) {
    return value;
  }

  return value.length === 0 ? "any source" : value.join(", ");
}

/** What a secret scanning report left in an audit detail: where the token was found, or that a regenerate cleared the leak. */
function leakDetail(d) {
  return [
    d.url ? `found at ${d.url}` : null,
    d.source ? `in ${d.source}` : null,
    d.leakCleared ? "leak cleared" : null,
  ].filter(Boolean);
}

byId("token-copy").addEventListener("click", copyToken);
