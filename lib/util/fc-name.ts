// FC 2.0 service and function names (CreateService/CreateFunction, serviceName/functionName): letters, digits, '_'
// and '-', starting with a letter or '_', at most 128 characters.
export const FC_NAME_PATTERN = '[A-Za-z_][A-Za-z0-9_-]{0,127}';
export const FC_NAME = new RegExp(`^${FC_NAME_PATTERN}$`);
