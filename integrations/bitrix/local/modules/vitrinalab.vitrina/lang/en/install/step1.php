<?php

$MESS['VITRINALAB_VITRINA_STEP_FAILED'] = 'The module was not installed';
$MESS['VITRINALAB_VITRINA_STEP_INSTALLED'] = 'The module is installed. Enter Vitrina\'s address and the secret in the module settings.';
$MESS['VITRINALAB_VITRINA_STEP_GO_SETTINGS'] = 'Open the module settings';
