// Each client's validations of the last 30 days (GET /clients/{id}/usage), drawn in its row as a small bar chart:
// a bar per UTC day, valid and refused stacked, the totals in words for screen readers.
//
// Fetched lazily: a chart asks for its client's usage when its row comes into view, and what it got is kept for
// 30 seconds (the counts lag that much anyway). The list is drawn again after every action and refresh; those
// redraws reuse what was fetched, so a list of a hundred clients costs one request per client on screen, at most
// twice a minute, never one per client per redraw.

const days = 30;
const freshFor = 30_000;
const svgNs = "http://www.w3.org/2000/svg";
const width = 120;
const height = 24;
const number = new Intl.NumberFormat();

/** Per client id: { at, days } once fetched (at: when), and { pending } while a request is out. */
const fetched = new Map();

/** Charts waiting to come into view; a redraw of the list leaves some behind, which the observer lets go. */
const watched = new Set();
let observer = null;

/** A chart for one client's row, drawn at once from what is fresh, else when the row is first on screen. */
export function usageChart(api, client) {
  const chart = document.createElement("div");
  chart.className = "usage";
  chart.dataset.usage = "loading";
  chart.setAttribute("role", "img");
  chart.setAttribute("aria-label", "Last 30 days: loading usage");
  const known = fetched.get(client.id);
  if (known?.days) {
    draw(chart, known.days);
  }

  if (known?.pending) {
    known.pending.then((loaded) => draw(chart, loaded), () => unavailable(chart));
  } else if (!known?.days || Date.now() - known.at > freshFor) {
    watch(chart, () => load(api, client.id).then((loaded) => draw(chart, loaded), () => unavailable(chart)));
  }

  return chart;
}

function load(api, clientId) {
  const known = fetched.get(clientId);
  if (known?.pending) {
    return known.pending;
  }

  const pending = api.usage(clientId, days).then((answer) => {
    fetched.set(clientId, { at: Date.now(), days: answer.days });
    return answer.days;
  }, (error) => {
    if (known) {
      fetched.set(clientId, known);
    } else {
      fetched.delete(clientId);
    }

    throw error;
  });
  fetched.set(clientId, { ...known, pending });
  return pending;
}

/** Runs `show` once, when the element first comes near the viewport (at once where there is no observer). */
function watch(element, show) {
  if (!("IntersectionObserver" in window)) {
    show();
    return;
  }

  observer ??= new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (entry.isIntersecting && entry.target.isConnected) {
        stopWatching(entry.target);
        entry.target.usageShow?.();
      }
    }

    // Every redraw of the list reaches here (each new chart is reported once): let go of the charts it replaced.
    for (const chart of watched) {
      if (!chart.isConnected) {
        stopWatching(chart);
      }
    }
  }, { rootMargin: "100px" });
  element.usageShow = show;
  watched.add(element);
  observer.observe(element);
}

function stopWatching(element) {
  observer.unobserve(element);
  watched.delete(element);
}

function draw(chart, usage) {
  const totals = usage.reduce((sum, day) => ({ valid: sum.valid + day.valid, refused: sum.refused + day.refused }), { valid: 0, refused: 0 });
  const highest = Math.max(1, ...usage.map((day) => day.valid + day.refused));
  const slot = width / usage.length;
  const svg = svgElement("svg", { viewBox: `0 0 ${width} ${height}`, width, height, "aria-hidden": "true", focusable: "false" });
  svg.append(svgElement("line", { x1: 0, y1: height - 0.5, x2: width, y2: height - 0.5, class: "usage-base" }));
  usage.forEach((day, index) => {
    const x = index * slot + 0.5;
    const validHeight = (day.valid / highest) * (height - 1);
    const refusedHeight = (day.refused / highest) * (height - 1);
    const bar = svgElement("g", { class: "usage-day", "data-date": day.date });
    bar.append(svgElement("title", {}, `${day.date}: ${number.format(day.valid)} valid, ${number.format(day.refused)} refused`));
    // A day with any use shows at least a pixel, so that one validation among thousands is not invisible.
    if (day.valid > 0) {
      bar.append(svgElement("rect", { class: "usage-valid", x, width: slot - 1, y: height - 1 - Math.max(1, validHeight), height: Math.max(1, validHeight) }));
    }

    if (day.refused > 0) {
      const below = day.valid > 0 ? Math.max(1, validHeight) : 0;
      bar.append(svgElement("rect", { class: "usage-refused", x, width: slot - 1, y: height - 1 - below - Math.max(1, refusedHeight), height: Math.max(1, refusedHeight) }));
    }

    svg.append(bar);
  });

  const summary = `Last 30 days: ${number.format(totals.valid)} valid, ${number.format(totals.refused)} refused`;
  chart.setAttribute("aria-label", summary);
  chart.title = summary;
  chart.dataset.usage = "ready";
  chart.replaceChildren(svg);
}

function unavailable(chart) {
  chart.dataset.usage = "unavailable";
  chart.setAttribute("aria-label", "Last 30 days: usage could not be loaded");
  chart.title = "Usage could not be loaded";
  chart.replaceChildren();
}

function svgElement(tag, attributes, text) {
  const element = document.createElementNS(svgNs, tag);
  for (const [name, value] of Object.entries(attributes)) {
    element.setAttribute(name, String(value));
  }

  if (text !== undefined) {
    element.textContent = text;
  }

  return element;
}
