/* The migrations, in order. `npm run cli -- migration:generate Name` appends to this list. */
import { InitialSchema1795432294218 } from './1795432294218-InitialSchema';
import { AddMembersEventsCatalog1795432789152 } from './1795432789152-AddMembersEventsCatalog';
// <imports>

export const MIGRATIONS = [
  InitialSchema1795432294218,
  AddMembersEventsCatalog1795432789152,
  // <migrations>
];
