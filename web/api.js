// The management API (API.md), called from the page. The page is served at {base}/ui/, so the API is the
// folder above it: the same origin, on LocalHost and on the Functions host alike.

const apiBase = new URL("../", window.location.href);

/** A failed call: the HTTP status (0 when the service did not answer) and the RFC 9457 problem it returned. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `The service answered ${status}.`);
    this.name = "ApiError";
    this.status = status;
    this.code = problem.code ?? null;
    this.problem = problem;
  }

  /** Field messages of a 400 (`errors: { field: [messages] }`), or an empty object. */
  get fieldErrors() {
    const errors = this.problem.errors;
    return errors && typeof errors === "object" ? errors : {};
  }
}

export function createApi(getToken) {
  // The body of a call, and the response's ETag (null where the service sent none or the browser may not read it).
  async function request(method, path, body, ifMatch) {
    const headers = { Accept: "application/json" };
    if (ifMatch) {
      headers["If-Match"] = ifMatch;
    }

    const token = getToken();
    if (token) {
      headers.Authorization = `Bearer ${token}`;
    }

    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
    }

    let response;
    try {
      response = await fetch(new URL(path, apiBase), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        credentials: "omit",
        referrerPolicy: "no-referrer",
      });
    } catch {
      throw new ApiError(0, {
        title: "No answer",
        detail: "The service did not answer. Check that it is running (./run.sh locally), then try again.",
      });
    }

    const text = await response.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }

    if (!response.ok) {
      const problem = data && typeof data === "object" ? data : {};
      if (!problem.detail) {
        problem.detail = `The service answered ${response.status} ${response.statusText}.`.replace(/ \.$/, ".");
      }

      throw new ApiError(response.status, problem);
    }

    return { data, etag: response.headers.get("ETag") };
  }

  const send = async (method, path, body, ifMatch) => (await request(method, path, body, ifMatch)).data;

  const client = (id) => `clients/${encodeURIComponent(id)}`;
  const query = (values) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(values)) {
      if (value !== undefined && value !== null && value !== "") {
        params.set(key, String(value));
      }
    }

    const text = params.toString();
    return text ? `?${text}` : "";
  };

  return {
    listClients: (continuationToken) => send("GET", `clients${query({ pageSize: 100, continuationToken })}`),
    createClient: (name, role, allowedNetworks) => send("POST", "clients", { name, role, allowedNetworks }),
    /** One client as it is now, with the ETag a later write can present (If-Match). */
    getClient: async (id) => {
      const { data, etag } = await request("GET", client(id));
      return { client: data, etag };
    },
    /** A 412 where `etag` is given and the client changed since it was read; without one, the last write wins. */
    setNetworks: (id, allowedNetworks, etag) => send("PATCH", client(id), { allowedNetworks }, etag),
    showToken: (id) => send("GET", `${client(id)}/token`),
    usage: (id, days) => send("GET", `${client(id)}/usage${query({ days })}`),
    disable: (id) => send("POST", `${client(id)}/disable`),
    enable: (id) => send("POST", `${client(id)}/enable`),
    deleteClient: (id) => send("DELETE", client(id)),
    regenerate: (id, lifetime) => send("POST", `${client(id)}/token/regenerate`, lifetime),
    audit: (clientId, continuationToken) => send("GET", `audit${query({ clientId, pageSize: 50, continuationToken })}`),
  };
}
