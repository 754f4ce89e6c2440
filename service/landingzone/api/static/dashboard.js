"use strict";
// Every value from the API goes in as text (textContent), never as HTML.
const tokenKey = "landingzone.token";
const rows = document.getElementById("rows");
const error = document.getElementById("error");
const retrying = new Set();
const notices = new Map();
let lastItems = [];

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function systemsOf(waits) {
  return [...new Set(waits.map(w => w.system))].join(", ");
}

/** "40 s", "3 min", "1 h 5 min". */
function duration(seconds) {
  if (seconds < 60) return seconds + " s";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return minutes + " min";
  return Math.floor(minutes / 60) + " h" + (minutes % 60 ? " " + (minutes % 60) + " min" : "");
}

/** Seconds from now to `iso`; negative once it has passed. */
function secondsUntil(iso) {
  return Math.round((Date.parse(iso) - Date.now()) / 1000);
}

/** The next attempt, "in 40 s" or "due now"; the time waited so far, "2 min so far". */
const clocks = {
  next: iso => {
    const seconds = secondsUntil(iso);
    if (!Number.isFinite(seconds)) return "at " + iso;
    return seconds > 0 ? "in " + duration(seconds) : "due now";
  },
  since: iso => {
    const seconds = -secondsUntil(iso);
    return Number.isFinite(seconds) ? duration(Math.max(0, seconds)) + " so far" : "since " + iso;
  },
};

function clock(kind, iso) {
  const node = element("span", clocks[kind](iso), "clock");
  node.dataset.kind = kind;
  node.dataset.at = iso;
  node.title = iso;
  return node;
}

function waitDetails(wait) {
  const box = element("div", undefined, "wait");
  box.append(
    element("strong", wait.step),
    " waits for " + wait.system + " (", clock("since", wait.since), ") · attempt " + wait.attempts +
      " · next attempt ", clock("next", wait.next_attempt_at),
    element("div", wait.error, "last-error"),
  );
  return box;
}

function retryButton(lz) {
  const button = element("button", "Retry now", "retry");
  button.type = "button";
  button.disabled = retrying.has(lz.id);
  button.title = lz.status === "failed"
    ? "Run it again; work already done is found and kept"
    : "Try the waiting steps now instead of at their next attempt";
  button.addEventListener("click", () => retry(lz.id));
  return button;
}

/** "prod 1.4.2 awaiting approval CHG0030001", the change linked to ServiceNow. */
function promotionLine(promotion) {
  const line = element("div", undefined, "promotion");
  line.title = promotion.digest;
  line.append(
    promotion.environment + " " + promotion.version + " ",
    element("span", promotion.status.replace("_", " "), promotion.status),
  );
  const change = promotion.change;
  if (change) {
    line.append(" ");
    if (/^https?:\/\//.test(change.url)) {
      const a = element("a", change.number);
      a.href = change.url; a.rel = "noopener";
      line.append(a);
    } else {
      line.append(change.number);
    }
    if (change.state) line.append(" (" + change.state + ")");
  }
  return line;
}

function render(items) {
  rows.replaceChildren();
  for (const lz of items) {
    const waits = lz.waiting || [];
    const row = rows.insertRow();
    row.id = lz.id;
    if (location.hash === "#" + lz.id) row.className = "selected";
    cell(row, lz.name); cell(row, lz.class); cell(row, lz.tenant); cell(row, lz.owner);
    const status = cell(row, lz.status.replace("_", " "), "status " + lz.status);
    if (waits.length) {
      status.append(element("br"), element("span", "waiting on " + systemsOf(waits), "badge waiting"));
    }
    const steps = cell(row, "", "steps");
    for (const step of lz.steps) {
      const badge = element("span", step.name, step.status);
      badge.title = step.status + (step.attempts > 1 ? ", " + step.attempts + " attempts" : "");
      steps.append(badge);
    }
    for (const wait of waits) steps.append(waitDetails(wait));
    const links = cell(row, "");
    for (const [name, url] of Object.entries(lz.links)) {
      if (!/^https?:\/\//.test(url)) continue;
      const a = element("a", name.replace("_", " "));
      a.href = url; a.rel = "noopener";
      links.append(a, element("br"));
    }
    const promotions = cell(row, "", "promotions");
    for (const promotion of lz.promotions || []) promotions.append(promotionLine(promotion));
    const attention = cell(row, "");
    if (lz.error) attention.append(element("div", lz.error.step + ": " + lz.error.message, "failed"));
    if (waits.length || lz.status === "failed") {
      attention.append(retryButton(lz));
      if (notices.has(lz.id)) attention.append(element("span", notices.get(lz.id), "notice"));
    } else {
      notices.delete(lz.id);
    }
  }
}

function problem(status) {
  return status === 401 ? "That token is not valid." : "The service answered " + status;
}

async function retry(id) {
  const token = sessionStorage.getItem(tokenKey);
  if (!token) return;
  retrying.add(id);
  notices.set(id, "Asking for a retry…");
  render(lastItems);
  try {
    const response = await fetch("/v1/landing-zones/" + encodeURIComponent(id) + "/retry", {
      method: "POST",
      headers: { Authorization: "Bearer " + token },
    });
    notices.set(id, response.status === 202 ? "Retry requested"
      : response.status === 409 ? "Nothing to retry any more" : problem(response.status));
  } catch {
    notices.set(id, "The service did not answer");
  } finally {
    retrying.delete(id);
  }
  await refresh();
}

async function refresh() {
  const token = sessionStorage.getItem(tokenKey);
  if (!token) return;
  let response;
  try {
    response = await fetch("/v1/landing-zones?limit=100", {
      headers: { Authorization: "Bearer " + token },
    });
  } catch {
    error.textContent = "The service did not answer.";
    return;
  }
  if (!response.ok) {
    error.textContent = problem(response.status);
    return;
  }
  error.textContent = "";
  lastItems = (await response.json()).items;
  render(lastItems);
}

function tick() {
  for (const node of document.querySelectorAll(".clock")) {
    node.textContent = clocks[node.dataset.kind](node.dataset.at);
  }
}

document.getElementById("login").addEventListener("submit", event => {
  event.preventDefault();
  sessionStorage.setItem(tokenKey, document.getElementById("token").value);
  refresh();
});
refresh();
setInterval(refresh, 3000);
setInterval(tick, 1000);
