import { build, ensureDependencies, ensureNode24 } from './lib/bootstrap.mjs';

ensureDependencies();
ensureNode24();
build();
