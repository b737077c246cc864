import { type Backend, createModel, type YoloModel } from '@yolokit/core';

/** Loads `model` on `backend`, runs `body` with it and disposes of it, whatever `body` does. */
export async function withModel<T>(backend: Backend, model: string, body: (model: YoloModel) => Promise<T>): Promise<T> {
  const loaded = await createModel({ backend, model });
  try {
    return await body(loaded);
  } finally {
    await loaded.dispose();
  }
}
