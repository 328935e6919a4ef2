/**
 * Files from which inspect and scrub start worker threads when faces are looked for: looking
 * costs seconds a picture, so two files already repay a worker's start. (Its own module: the
 * runs import it statically, and look.ts is loaded only when faces are looked for.)
 */
export const MIN_FILES_FOR_FACE_WORKERS = 2;
