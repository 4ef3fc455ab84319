// Network policies (a client's allowedNetworks, API.md "Client"): the networks a connector may validate the
// client's token from. The page only reads what the administrator typed into a list; the API judges each entry,
// writes it back in canonical form, and names the bad ones (by index) on errors.allowedNetworks.

import { ApiError } from "./api.js";
import { openDialog } from "./dialogs.js";
import { byId, h } from "./dom.js";

// Up to this many networks are shown in the row itself; more become a count that opens the full list.
const inlineNetworks = 2;

/** The entries of a networks field: one per line or comma-separated, blanks dropped. [] means any source. */
export function parseNetworks(text) {
  return text.split(/[\s,]+/).filter((entry) => entry !== "");
}

/** The API's messages for allowedNetworks in a 400 (however the field is cased), or an empty list. */
export function networkErrors(error) {
  return Object.entries(error.fieldErrors)
    .filter(([field]) => field.toLowerCase() === "allowednetworks")
    .flatMap(([, messages]) => [].concat(messages));
}

/** "Any source", a short list inline, or a count whose disclosure holds the full list. */
export function networksSummary(client) {
  const networks = client.allowedNetworks ?? [];
  if (networks.length === 0) {
    return h("span", { className: "networks-any" }, "Any source");
  }

  const items = networks.map((network) => h("li", {}, h("code", {}, network)));
  if (networks.length <= inlineNetworks) {
    return h("ul", { className: "networks-inline", "aria-label": `Allowed networks of ${client.name}` }, items);
  }

  return h("details", { className: "networks-more" },
    h("summary", {}, `${networks.length} networks`, h("span", { className: "visually-hidden" }, ` of ${client.name}`)),
    h("ul", { className: "networks-list" }, items));
}

/** A sentence for announce(): where the client's token may now be validated from. */
export function networksSentence(client) {
  const networks = client.allowedNetworks ?? [];
  return networks.length === 0
    ? "Its token is accepted from any source."
    : `Its token is accepted only from ${networks.join(", ")}.`;
}

/**
 * Edits a client's networks and PATCHes them. The editor starts from the client as the API has it now (not as the
 * list showed it), and saves with that state's ETag: where another administrator changed the client meanwhile, the
 * save is refused (412), the dialog says what the networks are now and stays open, and saving again replaces them.
 * Resolves with the updated client (networks in the canonical form the API wrote back), or null when cancelled:
 * cancel changes nothing. A refusal is shown in the dialog, which stays open to correct it; a lost sign-in (401) or
 * a client gone elsewhere (404) closes it and is thrown.
 */
export async function editNetworks(client, api) {
  const dialog = byId("networks-dialog");
  const form = byId("networks-form");
  const value = byId("networks-value");
  const error = byId("networks-error");
  const submit = byId("networks-submit");
  let { client: current, etag } = await api.getClient(client.id);
  byId("networks-title").textContent = `Allowed networks of ${current.name}`;
  value.value = (current.allowedNetworks ?? []).join("\n");
  showError("");

  function showError(message) {
    error.textContent = message;
    value.setAttribute("aria-invalid", String(Boolean(message)));
  }

  let result = null;
  const closeWithError = (e) => {
    result = { error: e };
    dialog.close("error");
  };
  form.onsubmit = async (event) => {
    event.preventDefault();
    showError("");
    submit.disabled = true;
    byId("networks-cancel").disabled = true;
    try {
      result = { client: await api.setNetworks(client.id, parseNetworks(value.value), etag) };
      dialog.close("done");
    } catch (e) {
      if (e instanceof ApiError && e.status === 412) {
        try {
          ({ client: current, etag } = await api.getClient(client.id));
        } catch (reading) {
          closeWithError(reading);
          return;
        }

        const now = (current.allowedNetworks ?? []).join(", ") || "any source";
        showError(`${current.name} was changed elsewhere while this was open; its networks are now: ${now}. Save again to replace them with the networks above.`);
        value.focus();
        return;
      }

      if (!(e instanceof ApiError) || e.status === 401 || e.status === 404) {
        closeWithError(e);
        return;
      }

      const messages = networkErrors(e);
      showError(messages.length > 0 ? messages.join(" ") : e.message);
      value.focus();
    } finally {
      submit.disabled = false;
      byId("networks-cancel").disabled = false;
    }
  };
  value.oninput = () => showError("");
  byId("networks-cancel").onclick = () => dialog.close("cancel");
  // Escape during a save would close as a cancel while the change is still being written: it waits instead.
  dialog.oncancel = (event) => {
    if (submit.disabled) {
      event.preventDefault();
    }
  };

  return openDialog(dialog, value).then(() => {
    if (result?.error) {
      throw result.error;
    }

    return result?.client ?? null;
  });
}
