<?php

$MESS['VITRINALAB_VITRINA_UNSTEP_WARNING'] = 'The module will be removed';
$MESS['VITRINALAB_VITRINA_UNSTEP_SAVE_HINT'] = 'The send queue and the record of what was sent can be kept, so a reinstall does not send everything again.';
$MESS['VITRINALAB_VITRINA_UNSTEP_SAVE'] = 'Keep the module\'s tables';
$MESS['VITRINALAB_VITRINA_UNSTEP_DELETE'] = 'Remove';
