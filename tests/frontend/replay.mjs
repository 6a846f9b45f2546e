// Replays every call of the AvaOne frontend's API client against a running
// API, through the client's own code: api-client.ts is the seed's
// `frontend/next-frontend/lib/api-clients/index.ts` verbatim, compiled to
// JavaScript by run.sh. So the paths, methods, headers (a JSON content type
// on every call, a bearer token once one is set, none of that on the
// FormData upload) and bodies are exactly what the frontend sends, and
// results are read the way it reads them: `data` on success, `error.error`
// as the thrown Error's message otherwise.
//
//   node replay.mjs            API_URL=http://127.0.0.1:PORT/api/v1 ADMIN_PASSWORD=...
//
// Exits non-zero naming every call that did not behave as the frontend expects.

const { API_URL, ADMIN_PASSWORD, CLIENT_MODULE } = process.env;
if (!API_URL || !ADMIN_PASSWORD || !CLIENT_MODULE) {
  console.error("usage: API_URL=... ADMIN_PASSWORD=... CLIENT_MODULE=... node replay.mjs");
  process.exit(2);
}
// sam local's emulator at times starts a function's container before its
// Runtime API listens and answers 502 "Internal server error" (Lambda never
// does; see tests/sam/smoke.py). Retry that exact answer once; a real crash
// fails again.
const realFetch = globalThis.fetch;
globalThis.fetch = async (url, init) => {
  const res = await realFetch(url, init);
  if (res.status !== 502) return res;
  const body = await res.clone().text();
  let message;
  try { message = JSON.parse(body)?.message; } catch { return res; }
  if (message !== "Internal server error") return res;
  process.stdout.write(`note  502 from the emulator for ${url}, retrying once\n`);
  await new Promise((done) => setTimeout(done, 1000));
  return realFetch(url, init);
};
// The client reads its base URL from the Next.js public env at construction.
process.env.NEXT_PUBLIC_API_URL = API_URL;
const {
  apiClient, authAPI, organizationAPI, userAPI, voiceAPI, cmsAPI,
  communicationAPI, analyticsAPI,
} = await import(CLIENT_MODULE);
// The client logs every failure with console.error; the replay reports its own.
console.error = () => {};

const failures = [];
let passed = 0;
function check(ok, what) {
  if (!ok) throw new Error(`expected ${what}`);
}
async function step(name, fn) {
  try {
    const out = await fn();
    passed += 1;
    process.stdout.write(`ok    ${name}\n`);
    return out;
  } catch (e) {
    failures.push(name);
    process.stdout.write(`FAIL  ${name}: ${e.message}\n`);
    return undefined;
  }
}
// A call the frontend expects to fail: the thrown message is `error.error`,
// our sentence, never the client's `HTTP <status>` fallback.
async function refused(call, pattern) {
  try {
    await call();
  } catch (e) {
    check(!/^HTTP \d+$/.test(e.message), `error.error to be readable, got "${e.message}"`);
    check(pattern.test(e.message), `error.error to match ${pattern}, got "${e.message}"`);
    return e.message;
  }
  throw new Error("expected the call to fail");
}
const isList = (res) => res.success === true && Array.isArray(res.data);
const run = Date.now().toString(36);
// A meeting a month from now (the API takes dates within the next year).
const meetingDate = new Date(Date.now() + 30 * 86400e3).toISOString().slice(0, 10);
// A 1x1 PNG, as a browser's file input would hand it over.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);
// 0.1 s of silent 16-bit mono WAV, as a recorder would produce it.
function silentWav() {
  const data = Buffer.alloc(3200);
  const h = Buffer.alloc(44);
  h.write("RIFF", 0); h.writeUInt32LE(36 + data.length, 4); h.write("WAVE", 8);
  h.write("fmt ", 12); h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(1, 22);
  h.writeUInt32LE(16000, 24); h.writeUInt32LE(32000, 28); h.writeUInt16LE(2, 32); h.writeUInt16LE(16, 34);
  h.write("data", 36); h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]).toString("base64");
}

// --- The super admin: organizations, content, forms -----------------------
await step("authAPI.adminLogin → data.token", async () => {
  const res = await authAPI.adminLogin(ADMIN_PASSWORD);
  check(typeof res.data?.token === "string", "data.token");
  apiClient.setToken(res.data.token);
});
await step("authAPI.adminLogin with a wrong password → error.error", () =>
  refused(() => authAPI.adminLogin("not-the-password"), /./));
await step("authAPI.verifyToken → AuthTokenPayload with exp", async () => {
  const { data } = await authAPI.verifyToken(apiClient.getToken());
  check(data.role === "super_admin" && typeof data.userId === "string", "userId and role");
  check(Number.isInteger(data.exp) && data.exp * 1000 > Date.now(), "exp in the future");
});
await step("organizationAPI.getAll → data is an array", async () => {
  const res = await organizationAPI.getAll();
  check(isList(res), "an array in data");
  check(res.data.some((o) => o.accountId === "acme"), "the seeded organization");
});
const orgForm = {
  name: `Replay ${run}`, email: `hello-${run}@replay.example`, phone: "+1 555 0100",
  address: "1 Main St", industry: "Software", employeeCount: "10-50", foundedYear: "2020",
  website: "https://replay.example", description: "Created by the frontend replay.",
  adminEmail: `admin-${run}@replay.example`, adminPassword: "Replay-Admin-2026!",
  licenseStatus: "active", licenseExpiry: "2030-12-31",
  selectedProducts: ["workspace", "voice"], userLimit: "25",
};
const org = await step("organizationAPI.create", async () => {
  const res = await organizationAPI.create(orgForm);
  check(typeof res.data?.id === "string" && typeof res.data.accountId === "string", "id and accountId");
  return res.data;
});
const read = org && await step("organizationAPI.getById", async () => {
  const res = await organizationAPI.getById(org.id);
  check(res.data.name === orgForm.name, "the created organization");
  return res.data;
});
read && await step("organizationAPI.update with the object it read", async () => {
  const res = await organizationAPI.update(org.id, { ...read, description: "Edited." });
  check(res.data.description === "Edited.", "the edit stored");
  const ignored = res.meta?.ignoredFields ?? [];
  for (const f of ["id", "accountId", "createdAt", "updatedAt"]) {
    check(ignored.includes(f), `meta.ignoredFields to list ${f}`);
  }
});
read && await step("organizationAPI.update changing a read-only field → error.error", () =>
  refused(() => organizationAPI.update(org.id, { ...read, accountId: "someone-else" }), /accountId/));

await step("cmsAPI.updateContent(section, content)", async () => {
  const res = await cmsAPI.updateContent("hero", { title: `Hello ${run}`, cta: { label: "Try it" } });
  check(res.data.content.title === `Hello ${run}`, "the content stored as sent");
});
await step("cmsAPI.getContent(section)", async () => {
  const res = await cmsAPI.getContent("hero");
  check(res.data.content.title === `Hello ${run}`, "the section");
});
await step("cmsAPI.getContent() → every section", async () => {
  const res = await cmsAPI.getContent();
  check(res.data.sections?.hero?.content?.title === `Hello ${run}`, "data.sections.hero");
});
await step("cmsAPI.getWebsiteContent", async () => {
  const res = await cmsAPI.getWebsiteContent();
  check(typeof res.data.sections === "object", "data.sections");
});
await step("cmsAPI.uploadImage(FormData)", async () => {
  const form = new FormData();
  form.append("file", new Blob([PNG], { type: "image/png" }), "logo.png");
  const response = await cmsAPI.uploadImage(form);
  const body = await response.json();
  check(response.ok, `2xx, got ${response.status}: ${body.error}`);
  check(body.data.contentType === "image/png" && body.data.url.length > 0, "the stored image's url");
});

const visitor = { name: "Replay Visitor", email: `visitor-${run}@example.com` };
await step("communicationAPI.sendContact", async () => {
  const res = await communicationAPI.sendContact({ ...visitor, message: "Do you integrate with HubSpot?" });
  check(res.success === true, "success");
});
await step("communicationAPI.sendContactForm", async () => {
  const res = await communicationAPI.sendContactForm({
    ...visitor, company: "Northwind", phone: "+1 555 0134", subject: "Partnership", message: "Reselling?",
  });
  check(res.success === true, "success");
});
await step("communicationAPI.sendMeetingRequest", async () => {
  const res = await communicationAPI.sendMeetingRequest({
    ...visitor, company: "Northwind", date: meetingDate, time: "15:30", timezone: "America/Toronto",
    topic: "Voice assistant demo",
  });
  check(res.success === true, "success");
});
await step("communicationAPI.sendPricingInquiry", async () => {
  const res = await communicationAPI.sendPricingInquiry({
    ...visitor, company: "Northwind", plan: "Business", seats: 120, message: "Annual billing?",
  });
  check(res.success === true, "success");
});
await step("an unknown route → error.error", () =>
  refused(() => apiClient.get("/no-such-route"), /./));

// --- The organization's admin: its users ----------------------------------
await step("authAPI.organizationLogin", async () => {
  const res = await authAPI.organizationLogin(org.accountId, orgForm.adminEmail, orgForm.adminPassword);
  check(typeof res.data?.token === "string", "data.token");
  apiClient.setToken(res.data.token);
});
const member = { email: `raj-${run}@replay.example`, password: "Raj-Pass-2026!" };
const ensured = await step("userAPI.ensureUser", async () => {
  const res = await userAPI.ensureUser({
    ...member, firstName: "Raj", lastName: "Iyer", role: "user", department: "Sales", position: "SDR",
  });
  check(res.data.created === true, "a created user");
  return res.data.user;
});
await step("userAPI.getWorkspaceUsers → WorkspaceUser fields", async () => {
  const res = await userAPI.getWorkspaceUsers();
  check(isList(res), "an array in data");
  const raj = res.data.find((u) => u.email === member.email);
  check(raj && raj.accountId === org.accountId, "accountId");
  check(raj.organizationName === orgForm.name, "organizationName");
  check(typeof raj.plan === "string" && raj.plan.length > 0, "plan");
  return raj;
});
ensured && await step("userAPI.ensureUser with the user it read", async () => {
  const res = await userAPI.ensureUser({ ...ensured, position: "AE" });
  check(res.data.created === false && res.data.user.position === "AE", "the edit stored");
  check((res.meta?.ignoredFields ?? []).includes("id"), "meta.ignoredFields to list id");
});
await step("userAPI.getTeamMembers → data is an array", async () => {
  const res = await userAPI.getTeamMembers();
  check(isList(res) && res.data.some((u) => u.email === member.email), "the member");
});
await step("userAPI.getTeamUsers → data is an array", async () => {
  const res = await userAPI.getTeamUsers();
  check(isList(res) && res.data.some((u) => u.email === member.email), "the user");
});

// --- A workspace user: voice and analytics --------------------------------
await step("authAPI.workspaceLogin", async () => {
  const res = await authAPI.workspaceLogin(org.accountId, member.email, member.password);
  check(typeof res.data?.token === "string", "data.token");
  apiClient.setToken(res.data.token);
});
await step("voiceAPI.processVoiceCommand", async () => {
  const res = await voiceAPI.processVoiceCommand("Open analytics", "/dashboard");
  check(res.success === true && res.data, "an answer");
});
await step("voiceAPI.speechToText", async () => {
  const res = await voiceAPI.speechToText(silentWav());
  check(typeof res.data.text === "string", "a transcript");
});
await step("voiceAPI.textToSpeech", async () => {
  const res = await voiceAPI.textToSpeech("Welcome back.");
  check(res.success === true && res.data, "speech");
});
await step("analyticsAPI.getWorkspaceAnalytics", async () => {
  const res = await analyticsAPI.getWorkspaceAnalytics();
  check(res.success === true && res.data, "analytics");
});
await step("analyticsAPI.getChatbotAnalytics", async () => {
  const res = await analyticsAPI.getChatbotAnalytics();
  check(res.success === true && res.data, "analytics");
});
await step("a forbidden call → error.error", () =>
  refused(() => organizationAPI.getAll(), /./));
await step("authAPI.logout (no body)", async () => {
  const res = await authAPI.logout();
  check(res.success === true, "success");
});
await step("the logged-out token is refused → error.error", () =>
  refused(() => analyticsAPI.getWorkspaceAnalytics(), /./));

// --- Clean up as the super admin -------------------------------------------
await step("organizationAPI.delete", async () => {
  const res = await authAPI.adminLogin(ADMIN_PASSWORD);
  apiClient.setToken(res.data.token);
  const deleted = await organizationAPI.delete(org.id);
  check(deleted.data.deleted === true, "deleted");
});

process.stdout.write(`\n${passed} calls as the frontend expects, ${failures.length} not\n`);
process.exit(failures.length ? 1 : 0);
