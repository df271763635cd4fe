export * from './entities/rich-menu.entity';
export * from './entities/rich-menu-rule.entity';
export * from './rich-menus.entities';
