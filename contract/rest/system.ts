import Type from 'typebox';
import { operation } from './operation.ts';

export const version = operation({
  id: 'systemVersion',
  methods: ['GET', 'POST'],
  paths: ['/api/v1/system/version'],
  tag: 'system',
  summary: 'Server version',
  access: 'client',
  response: Type.Object({ version: Type.String() }),
  errors: ['input.invalid'],
});

export const capacity = operation({
  id: 'systemCapacity',
  methods: ['GET', 'POST'],
  paths: ['/api/v1/system/capacity'],
  tag: 'system',
  summary: 'Licence limits and current usage',
  access: 'user',
  response: Type.Object({
    gateway: Type.Object({ max_calls: Type.Integer(), current_calls: Type.Integer() }),
    system: Type.Object({
      max_calls: Type.Integer(),
      max_users: Type.Integer(),
      current_calls: Type.Integer(),
      current_users: Type.Integer(),
      status: Type.String({ description: '"authorized" while usage is within the licence limits' }),
    }),
  }),
  errors: ['auth.required'],
});

const MediaWorker = Type.Object({
  id: Type.Integer(),
  state: Type.String({ description: 'starting, ready or dead' }),
  rooms: Type.Integer({ description: 'meetings whose media this worker carries' }),
  rss: Type.Integer({ description: 'resident memory in bytes at the last health ping; 0 before the first' }),
});

export const status = operation({
  id: 'systemStatus',
  methods: ['GET'],
  paths: ['/api/v1/system/status'],
  tag: 'system',
  summary: 'How this server runs: version, database, media workers (Convene extension)',
  description:
    'What the web console\'s System page shows. media.enabled is false when the server runs without media ' +
    '(CONVENE_MEDIA=false); media.running false when the workers did not start. Workers are those of the process ' +
    'that answers.',
  access: 'user',
  permission: 'system.read',
  response: Type.Object({
    version: Type.String(),
    database: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')]),
    started_time: Type.Integer({ description: 'epoch ms when this server process started' }),
    media: Type.Object({
      enabled: Type.Boolean(),
      running: Type.Boolean(),
      workers: Type.Array(MediaWorker),
    }),
  }),
  errors: ['auth.required', 'permission.denied'],
});

export const systemOperations = [version, capacity, status];
