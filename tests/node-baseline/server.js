// The seed's Express/Kubernetes design, minimal: the same three requests
// our functions serve, against the same MongoDB. Used by `make bench` only.
// (bcryptjs, the pure-JS bcrypt: the native module needs a download.)
const express = require('express');
const { MongoClient } = require('mongodb');
const jwt = require('jsonwebtoken');
const bcrypt = require('bcryptjs');

const secret = process.env.JWT_SECRET || 'bench-secret';
const client = new MongoClient(process.env.MONGODB_URI, { maxPoolSize: 3 });
const app = express();
app.use(express.json({ limit: '10mb' }));
const envelope = (res, status, data, error) =>
  res.status(status).json({ success: !error, data, error, timestamp: new Date().toISOString(), service: 'node-baseline' });

app.post('/api/v1/auth/verify-token', (req, res) => {
  try {
    envelope(res, 200, jwt.verify(req.body.token, secret, { algorithms: ['HS256'], issuer: 'avaone-auth', audience: 'avaone-api' }));
  } catch (e) {
    envelope(res, 401, undefined, 'invalid token');
  }
});

app.get('/api/v1/organizations', async (req, res) => {
  const orgs = client.db('avaone_main').collection('organizations');
  const items = await orgs.find({}, { projection: { adminPassword: 0 } }).sort({ createdAt: -1 }).limit(20).toArray();
  envelope(res, 200, { items, total: await orgs.countDocuments({}) });
});

app.post('/api/v1/auth/workspace/login', async (req, res) => {
  const { organizationId, email, password } = req.body;
  const user = await client.db(`org_${organizationId}`).collection('users').findOne({ email });
  if (!user || !(await bcrypt.compare(password, user.password))) return envelope(res, 401, undefined, 'Invalid credentials.');
  const token = jwt.sign({ sub: user.id, role: user.role, org: organizationId }, secret, { expiresIn: 900, issuer: 'avaone-auth', audience: 'avaone-api' });
  envelope(res, 200, { accessToken: token });
});

app.get('/token', (req, res) => res.json({ token: jwt.sign({ sub: 'u-1', role: 'user' }, secret, { expiresIn: 3600, issuer: 'avaone-auth', audience: 'avaone-api' }) }));

client.connect().then(() => {
  app.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('ready'));
});
