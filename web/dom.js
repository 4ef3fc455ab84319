// Small DOM and formatting helpers. Text always goes in as text nodes, never as HTML, so a client's name can
// never become markup.

/** document.createElement with attributes ("on…" adds a listener) and children (strings become text). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) {
      continue;
    }

    if (name === "className") {
      element.className = value;
    } else if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }

  element.append(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
  return element;
}

export const byId = (id) => document.getElementById(id);

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

/** A <time> element showing an ISO timestamp in the reader's locale, the exact value as its tooltip. */
export function timeElement(iso) {
  return h("time", { datetime: iso, title: iso }, dateTime.format(new Date(iso)));
}

export function formatDateTime(date) {
  return dateTime.format(date);
}

const hour = 60 * 60 * 1000;
const day = 24 * hour;

/** "in 5 days", "tomorrow", "in 3 hours": how far a future time is, rounded up. */
export function fromNow(date, now = new Date()) {
  const ms = date.getTime() - now.getTime();
  if (ms < day) {
    return relative.format(Math.max(1, Math.ceil(ms / hour)), "hour");
  }

  return relative.format(Math.ceil(ms / day), "day");
}

/** "expired", "soon" (within the warning window: the service's Expiry__WarningDays) or "later". */
export function expiryState(expiresAt, warningDays, now = new Date()) {
  const ms = new Date(expiresAt).getTime() - now.getTime();
  if (ms <= 0) {
    return "expired";
  }

  return ms <= warningDays * day ? "soon" : "later";
}
