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

export const systemOperations = [version, capacity];
