<?php

$MESS['VITRINALAB_VITRINA_UNSTEP_DONE'] = 'The module was removed.';
